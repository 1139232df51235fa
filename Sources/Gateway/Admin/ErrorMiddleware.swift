public import Hummingbird
import Logging
import PostgresClient

/// Turns every error into ``APIError``'s JSON shape, so clients see one error format: the
/// router's own 404s, body decoding failures, database errors, and anything unexpected
/// (logged with the request id, answered as a bare 500).
public struct ErrorMiddleware: RouterMiddleware {
    public typealias Context = AdminRequestContext

    /// Creates the middleware.
    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            // Answer here rather than rethrow, so outer middleware (security headers, metrics)
            // sees the error response like any other.
            return try Self.apiError(for: error, context: context).response(from: request, context: context)
        }
    }

    static func apiError(for error: any Error, context: Context) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as ResourceError:
            switch error.code {
            case .notFound: return APIError(.notFound, code: .notFound, message: error.message)
            case .conflict: return APIError.conflict(error.message)
            default: return APIError.invalid(error.field ?? "body", error.message)
            }
        case let error as ForwardError:
            // The forwarding stores' errors (the CLI's messages, shared by the API).
            switch error.code {
            case .notFound: return APIError(.notFound, code: .notFound, message: error.message)
            case .conflict: return APIError.conflict(error.message)
            case .invalidArgument: return APIError.invalid("body", error.message)
            default:
                context.logger.error("forwarding error", metadata: ["error": "\(error)"])
                return APIError(.internalServerError, code: .internalError, message: "internal error")
            }
        case let error as HTTPError:
            return translate(error)
        case let error as DecodingError:
            return APIError.badRequest("invalid JSON body: \(describe(error))")
        case let error as PostgresError:
            context.logger.error("database error", metadata: ["error": "\(error)"])
            if [.connectionFailed, .connectionLost, .connectionClosed, .poolTimeout, .poolShutdown].contains(error.code) {
                return APIError(.serviceUnavailable, code: .unavailable, message: "the database is unavailable")
            }
            return APIError(.internalServerError, code: .internalError, message: "internal error")
        default:
            context.logger.error("unexpected error", metadata: ["error": "\(error)"])
            return APIError(.internalServerError, code: .internalError, message: "internal error")
        }
    }

    static func translate(_ error: HTTPError) -> APIError {
        let message = error.body ?? error.status.reasonPhrase.lowercased()
        switch error.status {
        case .notFound: return APIError(.notFound, code: .notFound, message: "no such route")
        case .contentTooLarge: return APIError(.contentTooLarge, code: .payloadTooLarge, message: message)
        case .unauthorized: return .unauthenticated
        case .forbidden: return APIError(.forbidden, code: .forbidden, message: message)
        case .badRequest: return .badRequest(message)
        default:
            return APIError(error.status, code: .init(rawValue: error.status.code < 500 ? "bad_request" : "internal_error"), message: message)
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "body" : keys.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "\(parent == "body" ? "" : parent + ".")\(key.stringValue) is required"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)) has the wrong type"
        case .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "malformed"
        }
    }
}
