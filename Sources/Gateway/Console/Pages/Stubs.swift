import HTTPTypes
import Hummingbird
extension ConsolePages {
    func registerRoutes(on router: Router<AdminRequestContext>) {}
    func registerUsers(on router: Router<AdminRequestContext>) {}
    func registerAudit(on router: Router<AdminRequestContext>) {}
    func registerTLS(on router: Router<AdminRequestContext>) {}
}
extension ConsoleTemplates {
    static let routes = "", routeForm = "", users = "", audit = "", tls = ""
}
