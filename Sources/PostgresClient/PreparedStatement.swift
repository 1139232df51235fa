/// A hot statement that each connection prepares once and then executes by name.
///
/// Declare it once (`static let findJob = PreparedStatement("SELECT … WHERE id = $1")`) and
/// pass it where SQL text goes. Parameter types are fixed by the first execution on each
/// connection; a connection that reconnects prepares it again.
public struct PreparedStatement: Sendable, Hashable {
    /// The SQL text, with `$1…` placeholders.
    public let sql: String

    /// A statement with this SQL.
    public init(_ sql: String) { self.sql = sql }
}
