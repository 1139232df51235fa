import Logging

/// What became of a transaction, as the server remembers it (`txid_status`).
public enum TransactionOutcome: Sendable, Hashable {
    case committed
    case aborted
    /// Still running (e.g. its COMMIT not yet processed).
    case inProgress
    /// Too old for the server to remember, or an ID it never issued.
    case unknown
}

extension PostgresStatement {
    /// `SELECT txid_current()`: the ID of the transaction it runs in (assigning one), for
    /// ``PostgresPool/outcome(ofTransaction:)`` should its COMMIT end in doubt. Cheapest
    /// among a transaction's first statements (``PostgresConnection/pipeline(_:)``).
    public static let currentTransactionID = PostgresStatement(
        sql: "SELECT txid_current()", prepared: true, bindings: PostgresBindings())
}

extension PostgresPool {
    /// Asks the server what became of the transaction with this ID
    /// (``PostgresStatement/currentTransactionID``): after a COMMIT whose connection broke
    /// (``PostgresError/Code/commitOutcomeUnknown``), whether it committed.
    /// - Throws: ``PostgresError`` when the server cannot be asked.
    public func outcome(ofTransaction id: Int64) async throws -> TransactionOutcome {
        let rows = try await query("SELECT txid_status($1)", [id])
        switch try rows.first?.decode(String?.self, at: 0) {
        case "committed": return .committed
        case "aborted": return .aborted
        case "in progress": return .inProgress
        default: return .unknown
        }
    }
}

extension PostgresPool {
    /// Asks, for up to `patience`, what became of a transaction whose COMMIT lost its
    /// connection: again while the answer is "still running" or the server cannot be reached
    /// (each try waits at most the pool's acquire timeout for a connection), with pauses from
    /// 50 ms doubling to 1 s. The last answer when none was final (`.unknown` if none came).
    public func settledOutcome(ofTransaction id: Int64, patience: Duration = .seconds(5)) async -> TransactionOutcome {
        var pause = Duration.milliseconds(50)
        var last = TransactionOutcome.unknown
        let deadline = ContinuousClock.now + patience
        while ContinuousClock.now < deadline {
            do {
                last = try await outcome(ofTransaction: id)
                if last == .committed || last == .aborted { return last }
            } catch {
                logger.debug("cannot ask yet whether the transaction committed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(1))
        }
        return last
    }
}
