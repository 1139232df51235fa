public import Hummingbird

/// An error answered to an API client, always in the same JSON shape:
///
/// ```json
/// {"error": {"code": "validation_failed", "message": "…", "fields": [{"field": "limit", "message": "…"}]}}
/// ```
///
/// Clients match on `code`; `message` is for people and may change.
public struct APIError: Error, HTTPResponseError, Sendable {
    /// A stable, machine-readable error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code as sent.
        public let rawValue: String
        public var description: String { rawValue }

        /// No or invalid credentials (401).
        public static let unauthenticated = Code(rawValue: "unauthenticated")
        /// Login refused: wrong username or password, or the account is locked or disabled (401).
        public static let invalidCredentials = Code(rawValue: "invalid_credentials")
        /// Authenticated but the role does not allow it (403).
        public static let forbidden = Code(rawValue: "forbidden")
        /// A session-authenticated change without the right X-CSRF-Token header (403).
        public static let csrfFailed = Code(rawValue: "csrf_failed")
        /// No such route or object (404).
        public static let notFound = Code(rawValue: "not_found")
        /// The request is malformed: bad JSON, wrong content type (400).
        public static let badRequest = Code(rawValue: "bad_request")
        /// One or more fields are invalid; see `fields` (422).
        public static let validationFailed = Code(rawValue: "validation_failed")
        /// The change conflicts with existing state: a duplicate name, an object in use (409).
        public static let conflict = Code(rawValue: "conflict")
        /// The body is larger than allowed (413).
        public static let payloadTooLarge = Code(rawValue: "payload_too_large")
        /// A dependency (the database) is unavailable (503).
        public static let unavailable = Code(rawValue: "unavailable")
        /// Anything unexpected; details are in the server log, not the response (500).
        public static let internalError = Code(rawValue: "internal_error")
    }

    /// One invalid input field.
    public struct FieldError: Sendable, Equatable, Codable {
        /// The field (JSON key or query parameter).
        public var field: String
        /// What is wrong, for people.
        public var message: String

        /// Creates a field error.
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public var status: HTTPResponse.Status
    /// The stable error code.
    public var code: Code
    /// A human-readable explanation.
    public var message: String
    /// Invalid fields, for ``Code/validationFailed``.
    public var fields: [FieldError]
    /// Extra headers (WWW-Authenticate).
    public var headers: HTTPFields

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, code: Code, message: String, fields: [FieldError] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = headers
    }

    /// 401 for a request without valid credentials.
    public static let unauthenticated = APIError(
        .unauthorized, code: .unauthenticated, message: "authentication required",
        headers: [.wwwAuthenticate: "Bearer realm=\"dicom-gw\""])
    /// 403 for a role that may not do this.
    public static func forbidden(_ required: Role) -> APIError {
        APIError(.forbidden, code: .forbidden, message: "this requires the \(required.name) role")
    }
    /// 404 for an object that does not exist.
    public static func notFound(_ what: String) -> APIError {
        APIError(.notFound, code: .notFound, message: "\(what) not found")
    }
    /// 422 with field errors.
    public static func validation(_ fields: [FieldError]) -> APIError {
        let summary = fields.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        return APIError(.unprocessableContent, code: .validationFailed, message: "invalid input: \(summary)", fields: fields)
    }
    /// 422 for one field.
    public static func invalid(_ field: String, _ message: String) -> APIError {
        validation([FieldError(field: field, message: message)])
    }
    /// 409 for a conflicting change.
    public static func conflict(_ message: String) -> APIError {
        APIError(.conflict, code: .conflict, message: message)
    }
    /// 400 for a malformed request.
    public static func badRequest(_ message: String) -> APIError {
        APIError(.badRequest, code: .badRequest, message: message)
    }

    struct Body: Encodable {
        struct Content: Encodable {
            let code: String
            let message: String
            let fields: [FieldError]?
        }
        let error: Content
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(error: .init(code: code.rawValue, message: message, fields: fields.isEmpty ? nil : fields))
        var response = try context.responseEncoder.encode(body, from: request, context: context)
        response.status = status
        response.headers.append(contentsOf: headers)
        return response
    }
}
