import CLibPQ

/// One row of ``PostgresRows``.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    let index: Int

    /// The number of columns.
    public var count: Int { rows.columns.count }

    /// Decodes the value in column `column` (0-based).
    /// - Throws: ``PostgresError`` with code ``PostgresError/Code/decodingFailed`` naming the
    ///   column when the value is NULL for a non-optional type, of another type, or malformed.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at column: Int) throws -> T {
        guard column >= 0 && column < rows.columns.count else {
            throw PostgresError(
                code: .decodingFailed,
                message: "no column \(column): the result has \(rows.columns.count) columns")
        }
        return try decodeCell(T.self, column)
    }

    /// Decodes the value in the column named `column`.
    /// - Throws: ``PostgresError`` (``PostgresError/Code/decodingFailed``) naming the column.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, column: String) throws -> T {
        guard let i = rows.columnIndex(column) else {
            throw PostgresError(
                code: .decodingFailed,
                message: "no column \"\(column)\" in the result (columns: \(rows.columns.joined(separator: ", ")))",
                columnName: column)
        }
        return try decodeCell(T.self, i)
    }

    /// True when the value in column `column` is SQL NULL.
    public func isNull(at column: Int) -> Bool {
        PQgetisnull(rows.result.raw, Int32(index), Int32(column)) != 0
    }

    private func decodeCell<T: PostgresDecodable>(_: T.Type, _ column: Int) throws -> T {
        let raw = rows.result.raw
        let row = Int32(index)
        let col = Int32(column)
        let type = PostgresDataType(oid: PQftype(raw, col))
        return try withExtendedLifetime(rows.result) {
            var bytes: UnsafeRawBufferPointer?
            if PQgetisnull(raw, row, col) == 0, let start = PQgetvalue(raw, row, col) {
                bytes = UnsafeRawBufferPointer(start: start, count: Int(PQgetlength(raw, row, col)))
            }
            do {
                return try T(postgresCell: PostgresCell(type: type, bytes: bytes))
            } catch let error as PostgresError {
                throw error
            } catch {
                let reason = (error as? PostgresDecodingFailure)?.reason ?? "\(error)"
                let name = rows.columns[column]
                throw PostgresError(
                    code: .decodingFailed,
                    message: "column \"\(name)\" (\(type)): cannot decode as \(T.self): \(reason)",
                    columnName: name)
            }
        }
    }
}
