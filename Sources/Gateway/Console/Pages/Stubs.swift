import HTTPTypes
import Hummingbird
extension ConsolePages {
    func registerStudies(on router: Router<AdminRequestContext>) {}
    func registerJobs(on router: Router<AdminRequestContext>) {}
    func registerDestinations(on router: Router<AdminRequestContext>) {}
    func registerRoutes(on router: Router<AdminRequestContext>) {}
    func registerUsers(on router: Router<AdminRequestContext>) {}
    func registerAudit(on router: Router<AdminRequestContext>) {}
    func registerTLS(on router: Router<AdminRequestContext>) {}
}
extension ConsoleTemplates {
    static let studies = "", study = "", jobs = "", jobsConfirm = "", destinations = "", destinationForm = "", routes = "", routeForm = "", users = "", audit = "", tls = ""
}
