import Crypto
public import DICOM
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a stored Part 10 file says about itself: its meta information, the header elements
/// the rows hold, and the size and SHA-256 of its data set bytes (what `size_bytes` and
/// `sha256` record, without the Part 10 header).
public struct InspectedFile: Sendable {
    /// The file meta information.
    public var meta: FileMetaInformation
    /// The transfer syntax UID of the data set.
    public var transferSyntaxUID: String
    /// The header attributes, nil when only the size was inspected.
    public var header: InstanceHeader?
    /// Offset of the first data set byte in the file.
    public var dataSetOffset: Int
    /// Bytes of the data set (file size minus ``dataSetOffset``).
    public var dataSetSize: Int64
    /// SHA-256 of the data set bytes, nil when only the size was inspected.
    public var sha256: [UInt8]?
}

/// Reads stored files back: Part 10 meta, header collection and hashing, streaming in
/// fixed chunks so memory does not grow with the file. Blocking: run through ``BlockingIO``.
public enum InstanceFileInspector {
    /// Bytes read per call.
    static let chunkSize = 1 << 18

    /// Parses the meta and, when `full`, the whole data set (structure checked, header
    /// collected, SHA-256 computed).
    ///
    /// - Parameters:
    ///   - path: the absolute path of the file.
    ///   - full: false reads only the Part 10 header (enough for the data set size).
    /// - Throws: ``StorageError`` with ``StorageError/Code/ioFailure`` or ``StorageError/Code/notFound``
    ///   when it cannot be read, ``StorageError/Code/unreadable`` when it is not a valid
    ///   Part 10 file with a parseable data set.
    public static func inspect(_ path: String, full: Bool) throws(StorageError) -> InspectedFile {
        let fd = try POSIX.openForReading(path)
        defer { POSIX.closeDescriptor(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw POSIX.error("fstat", path) }
        let fileSize = Int64(info.st_size)

        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var prefix: [UInt8] = []
        var atEnd = false
        var parsed: Part10Header?
        while parsed == nil {
            let count = try read(fd, into: &buffer, path: path)
            if count == 0 { atEnd = true }
            prefix.append(contentsOf: buffer[0..<count])
            do throws(DICOMError) {
                parsed = try Part10Header.parse(prefix, isComplete: atEnd)
            } catch {
                throw StorageError(.unreadable, "\(path): \(error.message)")
            }
            if parsed == nil, prefix.count > Part10Header.maxMetaLength + 4096 {
                throw StorageError(.unreadable, "\(path): file meta information too long")
            }
        }
        guard let header = parsed, let meta = header.meta else {
            throw StorageError(.unreadable, "\(path): no Part 10 file meta information")
        }
        guard let syntaxUID = meta.transferSyntaxUID, UID.isValid(syntaxUID) else {
            throw StorageError(.unreadable, "\(path): no valid transfer syntax in the file meta information")
        }
        var result = InspectedFile(
            meta: meta, transferSyntaxUID: syntaxUID, header: nil,
            dataSetOffset: header.dataSetOffset, dataSetSize: fileSize - Int64(header.dataSetOffset), sha256: nil
        )
        guard full else { return result }

        let collector: DataSetHeaderCollector
        do throws(DICOMError) {
            collector = try DataSetHeaderCollector(transferSyntax: header.transferSyntax)
        } catch {
            throw StorageError(.unreadable, "\(path): \(error.message)")
        }
        var hasher = SHA256()
        var total: Int64 = 0
        func consume(_ bytes: ArraySlice<UInt8>) throws(StorageError) {
            total += Int64(bytes.count)
            let failure: DICOMError? = bytes.withUnsafeBytes { raw in
                hasher.update(bufferPointer: raw)
                do throws(DICOMError) { try collector.feed(raw) } catch { return error }
                return nil
            }
            if let failure { throw StorageError(.unreadable, "\(path): \(failure.message)") }
        }
        try consume(prefix[header.dataSetOffset...])
        while !atEnd {
            let count = try read(fd, into: &buffer, path: path)
            if count == 0 { atEnd = true; break }
            try consume(buffer[0..<count])
        }
        do throws(DICOMError) {
            result.header = try collector.finish()
        } catch {
            throw StorageError(.unreadable, "\(path): \(error.message)")
        }
        result.dataSetSize = total
        result.sha256 = Array(hasher.finalize())
        return result
    }

    private static func read(_ fd: Int32, into buffer: inout [UInt8], path: String) throws(StorageError) -> Int {
        var failure: StorageError?
        let count = buffer.withUnsafeMutableBytes { raw -> Int in
            do throws(StorageError) {
                return try POSIX.readSome(fd, raw, path: path)
            } catch {
                failure = error
                return 0
            }
        }
        if let failure { throw failure }
        return count
    }
}
