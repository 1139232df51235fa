import HTTPTypes
import Hummingbird

/// The message shown after a change, named in the redirect's `notice` query parameter (a
/// fixed set of keys, so a link cannot put arbitrary text on a page).
enum ConsoleNotice {
    static func message(_ request: Request) -> String? {
        let query = request.uri.queryParameters
        guard let key = query["notice"] else { return nil }
        let count = query["count"].flatMap { Int($0) }
        let of = query["of"].flatMap { Int($0) }
        let name = query["name"].map(String.init)
        func counted(_ verb: String) -> String {
            let n = count ?? 0
            let total = of.map { $0 == n ? "" : " of \($0) requested" } ?? ""
            return "\(verb) \(n) job\(n == 1 ? "" : "s")\(total)."
        }
        switch key {
        case "retried": return counted("Retried")
        case "cancelled": return counted("Cancelled")
        case "resent":
            let n = count ?? 0
            return "Queued \(n) object\(n == 1 ? "" : "s") for sending again."
        case "destination-saved": return "Destination \(name ?? "") saved."
        case "destination-paused": return "Destination \(name ?? "") paused: its jobs wait until it is resumed."
        case "destination-resumed": return "Destination \(name ?? "") resumed."
        case "route-saved": return "Route \(name ?? "") saved."
        case "user-saved": return "User \(name ?? "") updated."
        case "password-set": return "Password of \(name ?? "") changed."
        case "tls-installed": return "New TLS certificate installed."
        case "logged-out": return "You have logged out."
        default: return nil
        }
    }
}
