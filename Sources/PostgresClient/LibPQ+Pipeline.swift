import CLibPQ

/// One statement sent in a pipeline (``PostgresConnection/pipeline(_:)``).
public struct PostgresStatement: Sendable {
    let sql: String
    let prepared: Bool
    let bindings: PostgresBindings

    /// A parameterised statement.
    /// - Throws: ``PostgresError`` when a parameter cannot be encoded.
    public init(_ sql: String, _ parameters: [any PostgresEncodable] = []) throws {
        var bindings = PostgresBindings()
        try bindings.append(contentsOf: parameters)
        self.init(sql: sql, prepared: false, bindings: bindings)
    }

    /// A prepared statement (prepared on the session on first use, in the same pipeline).
    /// - Throws: ``PostgresError`` when a parameter cannot be encoded.
    public init(_ statement: PreparedStatement, _ parameters: [any PostgresEncodable] = []) throws {
        var bindings = PostgresBindings()
        try bindings.append(contentsOf: parameters)
        self.init(sql: statement.sql, prepared: true, bindings: bindings)
    }

    init(sql: String, prepared: Bool, bindings: PostgresBindings) {
        self.sql = sql
        self.prepared = prepared
        self.bindings = bindings
    }
}

extension LibPQ {
    /// Sends every statement, then one sync, and reads the results: one network round trip
    /// (libpq's pipeline mode). Outside a transaction block the statements run as one
    /// implicit transaction; after `BEGIN` they run in that transaction.
    ///
    /// All results are read before this returns, failed or not, so the session is left
    /// ready for its next statement (inside a failed transaction block, for the caller to
    /// roll back).
    ///
    /// - Returns: each statement's result, in order.
    /// - Throws: ``PostgresError`` for the first statement that failed (those after it
    ///   were not run).
    static func pipeline(
        _ raw: OpaquePointer,
        _ items: [PostgresStatement],
        statements: inout [String: String]
    ) throws -> [ResultHandle] {
        guard PQenterPipelineMode(raw) == 1 else {
            throw PostgresError(code: isBad(raw) ? .connectionLost : .client, message: errorMessage(raw))
        }
        // What each result read back belongs to: a statement's own, or the preparation of
        // a statement new to this session (named once its preparation succeeded).
        enum Expected {
            case statement
            case preparation(sql: String, name: String)
        }
        var expected: [Expected] = []
        var preparing: [String: String] = [:]
        var sendError: PostgresError?

        for item in items {
            let sent: Int32
            if item.prepared {
                var name = statements[item.sql] ?? preparing[item.sql]
                if name == nil {
                    let fresh = "s\(statements.count + preparing.count + 1)"
                    let queued = item.bindings.types.withUnsafeBufferPointer { types in
                        PQsendPrepare(raw, fresh, item.sql, Int32(item.bindings.count), types.baseAddress)
                    }
                    guard queued == 1 else { sendError = PostgresError(code: .client, message: errorMessage(raw)); break }
                    expected.append(.preparation(sql: item.sql, name: fresh))
                    preparing[item.sql] = fresh
                    name = fresh
                }
                sent = item.bindings.withCArrays { values, lengths, formats, _ in
                    PQsendQueryPrepared(raw, name, Int32(item.bindings.count), values, lengths, formats, 1)
                }
            } else {
                sent = item.bindings.withCArrays { values, lengths, formats, types in
                    PQsendQueryParams(raw, item.sql, Int32(item.bindings.count), types, values, lengths, formats, 1)
                }
            }
            guard sent == 1 else { sendError = PostgresError(code: .client, message: errorMessage(raw)); break }
            expected.append(.statement)
        }
        // The sync also flushes what was queued; without it the server would wait.
        if PQpipelineSync(raw) != 1, sendError == nil {
            sendError = PostgresError(code: isBad(raw) ? .connectionLost : .client, message: errorMessage(raw))
        }

        var results: [ResultHandle] = []
        var firstError: PostgresError? = sendError
        for entry in expected {
            guard let result = PQgetResult(raw) else {
                firstError = firstError ?? PostgresError(code: isBad(raw) ? .connectionLost : .client, message: errorMessage(raw))
                break
            }
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
                switch entry {
                case .statement:
                    results.append(ResultHandle(result))
                case .preparation(let sql, let name):
                    statements[sql] = name
                    PQclear(result)
                }
            case PGRES_PIPELINE_ABORTED:
                // Skipped after an earlier failure, which is the error reported.
                PQclear(result)
            default:
                firstError = firstError ?? makeError(result, raw)
                PQclear(result)
            }
            // Each statement's results end with a NULL.
            while let extra = PQgetResult(raw) { PQclear(extra) }
            if isBad(raw) { break }
        }
        if !isBad(raw) {
            // The sync's own result, then the pipeline is empty and can be left.
            while let result = PQgetResult(raw) {
                let status = PQresultStatus(result)
                PQclear(result)
                if status == PGRES_PIPELINE_SYNC { break }
            }
        }
        if PQexitPipelineMode(raw) != 1, firstError == nil {
            firstError = PostgresError(code: isBad(raw) ? .connectionLost : .client, message: errorMessage(raw))
        }
        if let firstError { throw firstError }  // (the handles clear their results)
        return results
    }
}
