import CLibPQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The rows of one statement's result, decoded lazily, in place.
///
/// Values are read straight out of libpq's result buffer when decoded; nothing is copied
/// until a decoder builds its Swift value.
public struct PostgresRows: Sendable, RandomAccessCollection {
    let result: ResultHandle
    private let rowCount: Int
    /// The number of columns.
    public let columnCount: Int

    init(_ result: ResultHandle) {
        self.result = result
        self.rowCount = Int(PQntuples(result.raw))
        self.columnCount = Int(PQnfields(result.raw))
    }

    /// The column names, in order (built on each call; for lookups use ``columnIndex(_:)``).
    public var columns: [String] {
        (0..<columnCount).map { columnName($0) }
    }

    /// The name of column `index`.
    public func columnName(_ index: Int) -> String {
        PQfname(result.raw, Int32(index)).map { String(cString: $0) } ?? "?column?"
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

    /// The index of the column with this exact name (case-sensitive, no quoting rules,
    /// unlike libpq's `PQfnumber`).
    public func columnIndex(_ name: String) -> Int? {
        // Compare against libpq's C strings in place: no String per column per result.
        var name = name
        return name.withUTF8 { wanted in
            for i in 0..<columnCount {
                guard let c = PQfname(result.raw, Int32(i)) else { continue }
                guard strlen(c) == wanted.count else { continue }
                if wanted.isEmpty { return i }
                if let base = wanted.baseAddress, memcmp(c, base, wanted.count) == 0 { return i }
            }
            return nil
        }
    }
}
