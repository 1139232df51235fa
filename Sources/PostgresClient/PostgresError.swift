/// An error from the database server, from libpq, or from this wrapper.
///
/// Match on ``code``: server errors carry their SQLSTATE (`error.code == .uniqueViolation`),
/// client-side failures have their own codes (``Code/connectionLost``, ``Code/poolTimeout``, …).
/// ``isConnectionError`` tells whether the connection (not the statement) failed, so the
/// caller may retry the whole unit of work on another connection.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// A matchable error code: a SQLSTATE or one of the client-side kinds.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case sqlState(String)
            case connectionFailed
            case connectionLost
            case connectionClosed
            case commitOutcomeUnknown
            case poolTimeout
            case poolShutdown
            case decodingFailed
            case invalidParameter
            case client
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// The code of a server error with this five-character SQLSTATE.
        public init(sqlState: String) { self.base = .sqlState(sqlState) }

        /// The SQLSTATE when this is a server error, otherwise nil.
        public var sqlState: String? {
            if case .sqlState(let s) = base { return s }
            return nil
        }

        public var description: String {
            switch base {
            case .sqlState(let s): return s
            case .connectionFailed: return "connectionFailed"
            case .connectionLost: return "connectionLost"
            case .connectionClosed: return "connectionClosed"
            case .commitOutcomeUnknown: return "commitOutcomeUnknown"
            case .poolTimeout: return "poolTimeout"
            case .poolShutdown: return "poolShutdown"
            case .decodingFailed: return "decodingFailed"
            case .invalidParameter: return "invalidParameter"
            case .client: return "client"
            }
        }

        /// A new connection could not be opened (server down, refused, authentication, timeout).
        public static let connectionFailed = Code(.connectionFailed)
        /// An open connection broke while in use (server restart, network loss).
        public static let connectionLost = Code(.connectionLost)
        /// The connection was already closed by this process.
        public static let connectionClosed = Code(.connectionClosed)
        /// The connection broke while COMMIT was under way: the transaction may have
        /// committed or not. ``PostgresPool/outcome(ofTransaction:)`` tells which, given the
        /// transaction's ID (``PostgresStatement/currentTransactionID``, read inside it).
        public static let commitOutcomeUnknown = Code(.commitOutcomeUnknown)
        /// No pooled connection became free within the acquire timeout.
        public static let poolTimeout = Code(.poolTimeout)
        /// The pool is shut down.
        public static let poolShutdown = Code(.poolShutdown)
        /// A result value could not be decoded as the requested Swift type.
        public static let decodingFailed = Code(.decodingFailed)
        /// A parameter could not be encoded (for example a string containing NUL).
        public static let invalidParameter = Code(.invalidParameter)
        /// Any other client-side failure reported by libpq.
        public static let client = Code(.client)

        // Class 23: integrity constraint violation.
        public static let uniqueViolation = Code(sqlState: "23505")
        public static let foreignKeyViolation = Code(sqlState: "23503")
        public static let notNullViolation = Code(sqlState: "23502")
        public static let checkViolation = Code(sqlState: "23514")
        public static let exclusionViolation = Code(sqlState: "23P01")
        // Class 40: transaction rollback.
        public static let serializationFailure = Code(sqlState: "40001")
        public static let deadlockDetected = Code(sqlState: "40P01")
        public static let transactionRolledBack = Code(sqlState: "40000")
        // Class 55 and 57: object state, operator intervention.
        public static let lockNotAvailable = Code(sqlState: "55P03")
        public static let queryCanceled = Code(sqlState: "57014")
        public static let adminShutdown = Code(sqlState: "57P01")
        public static let crashShutdown = Code(sqlState: "57P02")
        public static let cannotConnectNow = Code(sqlState: "57P03")
        // Class 08: connection exception (reported by the server).
        public static let connectionException = Code(sqlState: "08000")
        // Class 22 and 42: data and syntax.
        public static let invalidTextRepresentation = Code(sqlState: "22P02")
        public static let numericValueOutOfRange = Code(sqlState: "22003")
        public static let stringDataRightTruncation = Code(sqlState: "22001")
        public static let syntaxError = Code(sqlState: "42601")
        public static let undefinedTable = Code(sqlState: "42P01")
        public static let undefinedColumn = Code(sqlState: "42703")
        public static let duplicateObject = Code(sqlState: "42710")
        public static let duplicateTable = Code(sqlState: "42P07")
        public static let insufficientPrivilege = Code(sqlState: "42501")
    }

    /// What went wrong, matchable.
    public var code: Code
    /// The primary message (the server's, or the client's explanation).
    public var message: String
    /// The server's DETAIL field, if any.
    public var detail: String?
    /// The server's HINT field, if any.
    public var hint: String?
    /// The server's severity (ERROR, FATAL, PANIC), if any.
    public var severity: String?
    /// The constraint named by the server for integrity violations.
    public var constraintName: String?
    /// The table named by the server, if any.
    public var tableName: String?
    /// The column named by the server or by the decoder, if any.
    public var columnName: String?
    /// Where the error was raised in this process.
    public var file: String
    /// The line in ``file``.
    public var line: Int

    /// Creates an error; the wrapper fills the server fields when they exist.
    public init(
        code: Code,
        message: String,
        detail: String? = nil,
        hint: String? = nil,
        severity: String? = nil,
        constraintName: String? = nil,
        tableName: String? = nil,
        columnName: String? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.detail = detail
        self.hint = hint
        self.severity = severity
        self.constraintName = constraintName
        self.tableName = tableName
        self.columnName = columnName
        self.file = file
        self.line = line
    }

    /// The SQLSTATE of a server error.
    public var sqlState: String? { code.sqlState }

    /// True when the connection rather than the statement failed: retrying the whole unit
    /// of work on a fresh connection may succeed.
    public var isConnectionError: Bool {
        switch code {
        case .connectionFailed, .connectionLost, .connectionClosed, .commitOutcomeUnknown, .adminShutdown,
            .crashShutdown, .cannotConnectNow:
            return true
        default:
            return code.sqlState?.hasPrefix("08") ?? false
        }
    }

    public var description: String {
        var text = "PostgresError(\(code)): \(message)"
        if let detail { text += " DETAIL: \(detail)" }
        if let hint { text += " HINT: \(hint)" }
        return text
    }
}
