import CLibPQ

extension PostgresConnection {
    /// Bulk-inserts rows with `COPY … FROM STDIN` in binary format.
    ///
    /// Rows are encoded in chunks of about 256 KiB on the caller's task and handed to libpq on
    /// the connection's thread, so memory stays flat however many rows there are. Binary COPY does no
    /// type conversion: each value's Swift type must match its column exactly (`Int64` for
    /// bigint, `Int32` for integer, `String` for text/varchar, `Date` for timestamptz…).
    /// - Parameters:
    ///   - table: the table name (quoted as an identifier).
    ///   - schema: its schema, or nil for the search path.
    ///   - columns: the columns each row fills, in order.
    ///   - rows: one array of values per row, `columns.count` values each.
    /// - Returns: the number of rows copied.
    /// - Throws: ``PostgresError``; on any error nothing is inserted.
    @discardableResult
    public func copyFrom(
        table: String,
        schema: String? = nil,
        columns: [String],
        rows: some Sequence<[any PostgresEncodable]>
    ) async throws -> Int {
        let target = (schema.map { quoteIdentifier($0) + "." } ?? "") + quoteIdentifier(table)
        let columnList = columns.map(quoteIdentifier).joined(separator: ", ")
        let sql = "COPY \(target) (\(columnList)) FROM STDIN (FORMAT binary)"
        _ = try await run { raw, _ in try LibPQ.execSimple(raw, sql: sql) }

        var chunk: [UInt8] = []
        chunk.reserveCapacity(Self.copyChunkSize + 4096)
        // Header: signature, flags, header-extension length.
        chunk.append(contentsOf: Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00])
        chunk.appendBigEndian(Int32(0))
        chunk.appendBigEndian(Int32(0))
        do {
            var bindings = PostgresBindings()
            for (index, row) in rows.enumerated() {
                guard row.count == columns.count else {
                    throw PostgresError(
                        code: .invalidParameter,
                        message: "COPY row \(index) has \(row.count) values for \(columns.count) columns")
                }
                bindings.removeAll()
                try bindings.append(contentsOf: row)
                chunk.appendBigEndian(Int16(columns.count))
                for i in 0..<bindings.count {
                    if let value = bindings.value(at: i) {
                        chunk.appendBigEndian(Int32(value.count))
                        chunk.append(contentsOf: value)
                    } else {
                        chunk.appendBigEndian(Int32(-1))
                    }
                }
                if chunk.count >= Self.copyChunkSize {
                    try await sendCopyData(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            chunk.appendBigEndian(Int16(-1))
            try await sendCopyData(chunk)
        } catch {
            let reason = "\(error)"
            // Abort the COPY so the session returns to idle; the server rolls it back.
            _ = try? await run { raw, _ in try Self.endCopy(raw, abort: reason) }
            throw error
        }
        let result = try await run { raw, _ in try Self.endCopy(raw, abort: nil) }
        return PostgresRows(result).affectedRows
    }

    static let copyChunkSize = 256 * 1024

    private func sendCopyData(_ bytes: [UInt8]) async throws {
        _ = try await run { raw, _ in
            let ok = bytes.withUnsafeBytes { buffer in
                PQputCopyData(raw, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(buffer.count))
            }
            guard ok == 1 else {
                throw PostgresError(code: LibPQ.isBad(raw) ? .connectionLost : .client, message: LibPQ.errorMessage(raw))
            }
        }
    }

    /// Ends COPY IN (or aborts it with `abort` as the reason) and returns the final result.
    private static func endCopy(_ raw: OpaquePointer, abort: String?) throws -> ResultHandle {
        guard PQputCopyEnd(raw, abort) == 1 else {
            throw PostgresError(code: LibPQ.isBad(raw) ? .connectionLost : .client, message: LibPQ.errorMessage(raw))
        }
        var final: Result<ResultHandle, any Error>?
        // Drain every result so the session is idle again; keep the first outcome.
        while let next = PQgetResult(raw) {
            let outcome = Result { try LibPQ.check(next, raw) }
            if final == nil { final = outcome }
        }
        guard let final else {
            throw PostgresError(code: LibPQ.isBad(raw) ? .connectionLost : .client, message: LibPQ.errorMessage(raw))
        }
        return try final.get()
    }
}
