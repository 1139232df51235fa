import CLibPQ

/// The rows of one statement's result, decoded lazily, in place.
///
/// Values are read straight out of libpq's result buffer when decoded; nothing is copied
/// until a decoder builds its Swift value.
public struct PostgresRows: Sendable, RandomAccessCollection {
    let result: ResultHandle
    /// The column names, in order.
    public let columns: [String]
    private let rowCount: Int

    init(_ result: ResultHandle) {
        self.result = result
        let n = Int(PQnfields(result.raw))
        var names: [String] = []
        names.reserveCapacity(n)
        for i in 0..<n {
            names.append(PQfname(result.raw, Int32(i)).map { String(cString: $0) } ?? "?column?")
        }
        self.columns = names
        self.rowCount = Int(PQntuples(result.raw))
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { rowCount }

    public subscript(position: Int) -> PostgresRow {
        precondition(position >= 0 && position < rowCount, "row index out of range")
        return PostgresRow(rows: self, index: position)
    }

    /// The number of rows the statement affected (INSERT/UPDATE/DELETE/COPY), or returned.
    public var affectedRows: Int {
        guard let c = PQcmdTuples(result.raw), c.pointee != 0 else { return 0 }
        return Int(String(cString: c)) ?? 0
    }

    /// The command tag, e.g. `INSERT 0 1` or `COMMIT`.
    public var commandTag: String {
        PQcmdStatus(result.raw).map { String(cString: $0) } ?? ""
    }

    /// The index of the column with this exact name.
    public func columnIndex(_ name: String) -> Int? {
        columns.firstIndex(of: name)
    }
}
