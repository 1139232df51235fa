import Logging

extension PostgresConnection {
    /// Runs `body` inside a transaction: COMMIT when it returns, ROLLBACK when it throws.
    ///
    /// - Parameters:
    ///   - isolationLevel: e.g. `"SERIALIZABLE"`; nil for the server default.
    ///   - body: the unit of work; it must not COMMIT or ROLLBACK itself.
    /// - Throws: what `body` threw (after rolling back), or ``PostgresError`` from BEGIN/COMMIT.
    ///   A transaction aborted by a statement error the body swallowed does not commit: COMMIT
    ///   then reports ``PostgresError/Code/transactionRolledBack``. A connection that breaks
    ///   during COMMIT reports ``PostgresError/Code/commitOutcomeUnknown``.
    public func withTransaction<T>(
        isolationLevel: IsolationLevel? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withTransaction(isolationLevel: isolationLevel, beginningWith: [], isolation: isolation) { connection, _ in
            try await body(connection)
        }
    }

    /// As ``withTransaction(isolationLevel:isolation:_:)``, with `statements` sent in the same
    /// round trip as the BEGIN (``pipeline(_:)``): a transaction whose first statements do
    /// not depend on each other saves a round trip per statement.
    ///
    /// - Parameters:
    ///   - statements: run first, in the transaction; `body` gets their rows, in order.
    /// - Throws: as ``withTransaction(isolationLevel:isolation:_:)``; a failed first statement
    ///   rolls back before `body` runs.
    public func withTransaction<T>(
        isolationLevel: IsolationLevel? = nil,
        beginningWith statements: [PostgresStatement],
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnection, [PostgresRows]) async throws -> T
    ) async throws -> T {
        let begin = isolationLevel.map { "BEGIN ISOLATION LEVEL \($0.sql)" } ?? "BEGIN"
        let value: T
        do {
            let first: [PostgresRows]
            if statements.isEmpty {
                try await executeScript(begin)
                first = []
            } else {
                first = Array(try await pipeline([PostgresStatement(sql: begin, prepared: false, bindings: PostgresBindings())] + statements).dropFirst())
            }
            value = try await body(self, first)
        } catch {
            if !isBroken {
                do {
                    // (after a failed BEGIN there is no transaction: a warning, not an error)
                    try await executeScript("ROLLBACK")
                } catch {
                    logger.warning("ROLLBACK failed: \(error)")
                }
            }
            throw error
        }
        let tag: ResultHandle
        do {
            tag = try await run { raw, _ in try LibPQ.execSimple(raw, sql: "COMMIT") }
        } catch let error as PostgresError where error.isConnectionError {
            // The server may have committed before the connection broke, or not.
            throw PostgresError(
                code: .commitOutcomeUnknown,
                message: "the connection broke during COMMIT; whether the transaction committed is unknown (\(error.message))")
        }
        // COMMIT of an aborted transaction "succeeds" with the tag ROLLBACK.
        if PostgresRows(tag).commandTag == "ROLLBACK" {
            throw PostgresError(
                code: .transactionRolledBack,
                message: "the transaction was aborted by an earlier error and has been rolled back")
        }
        return value
    }

    /// A transaction isolation level.
    public struct IsolationLevel: Sendable, Hashable {
        let sql: String
        public static let readCommitted = IsolationLevel(sql: "READ COMMITTED")
        public static let repeatableRead = IsolationLevel(sql: "REPEATABLE READ")
        public static let serializable = IsolationLevel(sql: "SERIALIZABLE")
    }
}
