import DICOM
import DICOMNetwork
import Foundation
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif
import Storage

/// Reads what sending a stored file needs (its meta information: SOP class and instance,
/// transfer syntax, where the data set starts) from a small prefix of the file.
///
/// `DICOMFileSummary.read` reads up to the largest meta group allowed (1 MB), which for a
/// 0.5 MB object is the whole file, copied once more before it is sent; here 16 KB is read
/// first and more only when the meta group is longer.
enum ForwardFileSummary {
    /// Bytes read first; meta groups are a few hundred bytes in practice.
    static let firstRead = 16 * 1024

    static func read(path: String) async throws -> DICOMFileSummary {
        try await NIOThreadPool.singleton.runIfActive { try readBlocking(path: path) }
    }

    /// Reads each of `paths` in order on one I/O thread trip; one result per path.
    static func read(paths: [String]) async -> [Result<DICOMFileSummary, any Error>] {
        guard !paths.isEmpty else { return [] }
        do {
            return try await NIOThreadPool.singleton.runIfActive {
                paths.map { path in Result { try readBlocking(path: path) } }
            }
        } catch {
            return paths.map { _ in .failure(error) }
        }
    }

    static func readBlocking(path: String) throws -> DICOMFileSummary {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ForwardError(.fileUnavailable, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let limit = Part10Header.maxMetaLength + 4096
        var length = firstRead
        while true {
            var prefix = [UInt8](repeating: 0, count: length)
            var filled = 0
            while filled < length {
                let n = prefix.withUnsafeMutableBytes { raw in
                    pread(fd, raw.baseAddress.map { $0 + filled }, length - filled, off_t(filled))
                }
                if n < 0 && errno == EINTR { continue }
                guard n >= 0 else { throw ForwardError(.fileUnavailable, "cannot read \(path): \(String(cString: strerror(errno)))") }
                if n == 0 { break }
                filled += n
            }
            let complete = filled < length
            prefix.removeSubrange(filled...)
            if let header = try Part10Header.parse(prefix, isComplete: complete) {
                guard let meta = header.meta, let sopClass = meta.mediaStorageSOPClassUID,
                      let sopInstance = meta.mediaStorageSOPInstanceUID
                else {
                    throw DICOMError(.invalidFileMeta, "no SOP class/instance UID in the file meta information")
                }
                return DICOMFileSummary(
                    path: path, dataSetOffset: Int64(header.dataSetOffset), transferSyntaxUID: header.transferSyntax.uid,
                    sopClassUID: sopClass, sopInstanceUID: sopInstance)
            }
            guard !complete, length < limit else {
                throw DICOMError(.invalidFileMeta, "file meta information incomplete in the first \(filled) bytes")
            }
            length = min(limit, length * 4)
        }
    }
}
