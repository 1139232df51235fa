import Foundation

/// Reads a Part 10 file (or a raw data set file) as a stream of `DataSetEvent`s, pulling the
/// file in chunks: memory stays bounded by the chunk size and the parser's
/// `maxValueLength`, whatever the file size.
///
/// Blocking file I/O: call it from a thread that may block, not the cooperative pool.
public final class DICOMFileReader {
    /// The preamble/meta part, read on open.
    public let header: Part10Header
    /// The parser of the data set (its configuration as given to `init`).
    public let parser: DataSetParser
    /// Bytes read from the file so far.
    public private(set) var bytesRead: Int64 = 0
    /// Bytes of skipped values jumped over without reading.
    public private(set) var bytesSkipped: Int64 = 0

    private let handle: FileHandle
    private let chunkSize: Int
    private var atEnd = false

    /// Opens `path`, reads its header and prepares to parse its data set.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - configuration: parser limits; `baseOffset` is set to the data set's file offset.
    ///   - chunkSize: bytes read per file read.
    /// - Throws: `.io` if the file cannot be read, else as `Part10Header.parse`.
    public init(path: String, configuration: DataSetParser.Configuration = .init(), chunkSize: Int = 1 << 18) throws(DICOMError) {
        do {
            handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        } catch {
            throw DICOMError(.io, "cannot open \(path): \(error)")
        }
        self.chunkSize = max(chunkSize, 4096)
        var prefix: [UInt8] = []
        var parsed: Part10Header?
        while parsed == nil {
            let chunk = try Self.read(handle, count: self.chunkSize)
            bytesRead += Int64(chunk.count)
            if chunk.isEmpty { atEnd = true }
            prefix.append(contentsOf: chunk)
            parsed = try Part10Header.parse(prefix, isComplete: atEnd)
            if parsed == nil && prefix.count > Part10Header.maxMetaLength + 4096 {
                throw DICOMError(.lengthTooLarge, offset: 132, "file meta information too long")
            }
        }
        guard let parsed else { throw DICOMError(.notDICOM, "no header") }
        header = parsed
        var config = configuration
        config.baseOffset = Int64(parsed.dataSetOffset)
        parser = try DataSetParser(transferSyntax: parsed.transferSyntax, configuration: config)
        parser.append(prefix[parsed.dataSetOffset...])
        if atEnd { parser.finish() }
    }

    deinit {
        try? handle.close()
    }

    /// The next event of the data set, nil at its end (or at `stopBefore`).
    public func next() throws(DICOMError) -> DataSetEvent? {
        while true {
            if let event = try parser.next() { return event }
            if parser.isComplete || atEnd { return nil }
            // A skipped value (pixel data): seek over it rather than read it.
            let skip = parser.skippableInputCount
            if skip > Int64(chunkSize), parser.bufferedByteCount == 0 {
                do {
                    let offset = try handle.offset()
                    let size = try handle.seekToEnd()
                    let target = min(offset + UInt64(skip), size)
                    try handle.seek(toOffset: target)
                    parser.skipInput(Int64(target - offset))
                    bytesSkipped += Int64(target - offset)
                    if target < offset + UInt64(skip) {
                        // The file ends inside the value: let the parser report truncation.
                        atEnd = true
                        parser.finish()
                    }
                } catch {
                    throw DICOMError(.io, "seek failed: \(error)")
                }
                continue
            }
            let chunk = try Self.read(handle, count: chunkSize)
            bytesRead += Int64(chunk.count)
            if chunk.isEmpty {
                atEnd = true
                parser.finish()
            } else {
                parser.append(chunk)
            }
        }
    }

    private static func read(_ handle: FileHandle, count: Int) throws(DICOMError) -> [UInt8] {
        do {
            guard let data = try handle.read(upToCount: count) else { return [] }
            return [UInt8](data)
        } catch {
            throw DICOMError(.io, "read failed: \(error)")
        }
    }
}
