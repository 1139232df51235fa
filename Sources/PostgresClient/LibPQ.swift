import CLibPQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The blocking libpq calls. Every function here runs on a thread-pool thread or a
/// dedicated thread, with the connection's lock held.
enum LibPQ {
    /// Opens a connection. `conninfo` may be a URL or a `key=value` string.
    static func connect(conninfo: String, connectTimeoutSeconds: Int, applicationName: String?) throws -> OpaquePointer {
        // Keywords are processed in order and the last value wins: the URL first so its
        // settings apply, then what this process insists on (timeout, UTF-8).
        var pairs: [(String, String)] = []
        if let applicationName { pairs.append(("application_name", applicationName)) }
        pairs.append(("dbname", conninfo))
        pairs.append(("connect_timeout", String(max(connectTimeoutSeconds, 1))))
        pairs.append(("client_encoding", "UTF8"))
        let keys = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        var keyPointers = keys.map { UnsafePointer($0) } + [nil]
        var valuePointers = values.map { UnsafePointer($0) } + [nil]
        let raw = keyPointers.withUnsafeMutableBufferPointer { k in
            valuePointers.withUnsafeMutableBufferPointer { v in
                PQconnectdbParams(k.baseAddress, v.baseAddress, 1)
            }
        }
        guard let raw else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(raw) == CONNECTION_OK else {
            let message = errorMessage(raw)
            PQfinish(raw)
            throw PostgresError(code: .connectionFailed, message: message)
        }
        // The default notice processor writes to stderr; notices are not errors, drop them.
        PQsetNoticeProcessor(raw, { _, _ in }, nil)
        return raw
    }

    static func errorMessage(_ raw: OpaquePointer) -> String {
        guard let c = PQerrorMessage(raw) else { return "unknown libpq error" }
        return String(cString: c).trimmingTrailingWhitespace()
    }

    /// Executes with parameters (extended protocol), binary results.
    static func exec(_ raw: OpaquePointer, sql: String, bindings: PostgresBindings) throws -> ResultHandle {
        let result = bindings.withCArrays { values, lengths, formats, types in
            PQexecParams(raw, sql, Int32(bindings.count), types, values, lengths, formats, 1)
        }
        return try check(result, raw)
    }

    /// Executes a named prepared statement, preparing it on first use on this session.
    static func execPrepared(
        _ raw: OpaquePointer,
        sql: String,
        bindings: PostgresBindings,
        statements: inout [String: String]
    ) throws -> ResultHandle {
        let name: String
        if let known = statements[sql] {
            name = known
        } else {
            name = "s\(statements.count + 1)"
            let prepared = bindings.types.withUnsafeBufferPointer { types in
                PQprepare(raw, name, sql, Int32(bindings.count), types.baseAddress)
            }
            _ = try check(prepared, raw)
            statements[sql] = name
        }
        let result = bindings.withCArrays { values, lengths, formats, _ in
            PQexecPrepared(raw, name, Int32(bindings.count), values, lengths, formats, 1)
        }
        return try check(result, raw)
    }

    /// Executes one or more statements with the simple query protocol (text results).
    static func execSimple(_ raw: OpaquePointer, sql: String) throws -> ResultHandle {
        try check(PQexec(raw, sql), raw)
    }

    static func check(_ result: OpaquePointer?, _ raw: OpaquePointer) throws -> ResultHandle {
        guard let result else {
            let lost = PQstatus(raw) == CONNECTION_BAD
            throw PostgresError(code: lost ? .connectionLost : .client, message: errorMessage(raw))
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN:
            return ResultHandle(result)
        default:
            let error = makeError(result, raw)
            PQclear(result)
            throw error
        }
    }

    static func makeError(_ result: OpaquePointer, _ raw: OpaquePointer) -> PostgresError {
        func field(_ code: UInt8) -> String? {
            guard let c = PQresultErrorField(result, Int32(code)) else { return nil }
            return String(cString: c)
        }
        let sqlState = field(UInt8(ascii: "C"))
        let code: PostgresError.Code
        if let sqlState {
            code = .init(sqlState: sqlState)
        } else if PQstatus(raw) == CONNECTION_BAD {
            code = .connectionLost
        } else {
            code = .client
        }
        var message = field(UInt8(ascii: "M"))
        if message == nil, let c = PQresultErrorMessage(result) {
            message = String(cString: c).trimmingTrailingWhitespace()
        }
        if message?.isEmpty ?? true { message = errorMessage(raw) }
        return PostgresError(
            code: code,
            message: message ?? "unknown error",
            detail: field(UInt8(ascii: "D")),
            hint: field(UInt8(ascii: "H")),
            severity: field(UInt8(ascii: "V")) ?? field(UInt8(ascii: "S")),
            constraintName: field(UInt8(ascii: "n")),
            tableName: field(UInt8(ascii: "t")),
            columnName: field(UInt8(ascii: "c"))
        )
    }

    static func isBad(_ raw: OpaquePointer) -> Bool { PQstatus(raw) == CONNECTION_BAD }

    static func isIdle(_ raw: OpaquePointer) -> Bool { PQtransactionStatus(raw) == PQTRANS_IDLE }

    /// Checks an idle connection that sat in the pool: if the server closed it (restart,
    /// idle timeout) it is reconnected here, before any statement is sent, so the caller's
    /// statement runs once on a live session. Returns true when it reconnected.
    static func revalidate(_ raw: OpaquePointer, statements: inout [String: String]) throws -> Bool {
        var needsReset = isBad(raw)
        var rounds = 0
        while !needsReset && rounds < 4 {
            rounds += 1
            var pfd = pollfd(fd: PQsocket(raw), events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 0) <= 0 { break }
            // Readable while idle: a notice, a notification, or the server's goodbye + EOF.
            if PQconsumeInput(raw) == 0 || isBad(raw) { needsReset = true; break }
            while let note = PQnotifies(raw) { PQfreemem(note) }
            if isBad(raw) { needsReset = true }
        }
        guard needsReset else { return false }
        statements = [:]
        PQreset(raw)
        guard PQstatus(raw) == CONNECTION_OK else {
            throw PostgresError(code: .connectionFailed, message: errorMessage(raw))
        }
        return true
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var s = Substring(self)
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}
