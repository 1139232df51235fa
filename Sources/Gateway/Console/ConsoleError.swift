import HTTPTypes
import Hummingbird

/// A console request refused or failed, shown to the operator as an error page.
struct ConsoleError: Error, Sendable {
    let status: HTTPResponse.Status
    let message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    static let forbidden = ConsoleError(.forbidden, "Your role does not allow this.")
    static let csrf = ConsoleError(
        .forbidden, "This form has expired or did not come from this console. Reload the page and try again.")
    static func notFound(_ what: String) -> ConsoleError { ConsoleError(.notFound, "No such \(what).") }

    /// The operator-facing message and status for an error from a store or service.
    static func describe(_ error: any Error) -> ConsoleError? {
        switch error {
        case let error as ConsoleError: return error
        case let error as ResourceError:
            let status: HTTPResponse.Status = error.code == .notFound ? .notFound : error.code == .conflict ? .conflict : .unprocessableContent
            return ConsoleError(status, error.description)
        case let error as ForwardError:
            let status: HTTPResponse.Status = error.code == .notFound ? .notFound : error.code == .conflict ? .conflict : .unprocessableContent
            return ConsoleError(status, error.message)
        case let error as APIError:
            let detail = error.fields.isEmpty ? error.message : error.fields.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
            return ConsoleError(error.status, detail)
        default:
            return nil
        }
    }
}
