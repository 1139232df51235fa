import DICOM
import NIOCore
import NIOFileSystem

/// What a sender needs to know about a Part 10 file before sending it: where its data set
/// starts, its transfer syntax, and its SOP class and instance (from the file meta information).
public struct DICOMFileSummary: Sendable, Hashable {
    /// The file.
    public var path: String
    /// The file offset of the data set (after the meta information).
    public var dataSetOffset: Int64
    /// The data set's transfer syntax UID.
    public var transferSyntaxUID: String
    /// (0002,0002) Media Storage SOP Class UID.
    public var sopClassUID: String
    /// (0002,0003) Media Storage SOP Instance UID.
    public var sopInstanceUID: String

    /// Creates a summary from known values.
    public init(path: String, dataSetOffset: Int64, transferSyntaxUID: String, sopClassUID: String, sopInstanceUID: String) {
        self.path = path
        self.dataSetOffset = dataSetOffset
        self.transferSyntaxUID = transferSyntaxUID
        self.sopClassUID = sopClassUID
        self.sopInstanceUID = sopInstanceUID
    }

    /// Reads the preamble and meta information of the file at `path` (at most ~1 MiB).
    /// - Throws: `DICOMError` (`.notDICOM`, `.invalidFileMeta`, …) or a file system error;
    ///   `DICOMError(.invalidFileMeta)` also when the meta lacks the SOP class or instance UID.
    public static func read(path: String) async throws -> DICOMFileSummary {
        let limit = Int64(Part10Header.maxMetaLength + 4096)
        let prefix = try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
            let size = try await handle.info().size
            let buffer = try await handle.readChunk(fromAbsoluteOffset: 0, length: .bytes(min(size, limit)))
            return (Array(buffer.readableBytesView), size <= limit)
        }
        guard let header = try Part10Header.parse(prefix.0, isComplete: prefix.1) else {
            throw DICOMError(.invalidFileMeta, "file meta information incomplete in the first \(limit) bytes")
        }
        guard let meta = header.meta, let sopClass = meta.mediaStorageSOPClassUID,
            let sopInstance = meta.mediaStorageSOPInstanceUID
        else {
            throw DICOMError(.invalidFileMeta, "no SOP class/instance UID in the file meta information")
        }
        return DICOMFileSummary(
            path: path, dataSetOffset: Int64(header.dataSetOffset), transferSyntaxUID: header.transferSyntax.uid,
            sopClassUID: sopClass, sopInstanceUID: sopInstance)
    }

    /// The transfer syntaxes to propose for this file: its own first, then those it can be
    /// converted to on the fly (Explicit/Implicit VR Little Endian, for native encodings).
    public var proposedTransferSyntaxes: [String] {
        var syntaxes = [self.transferSyntaxUID]
        if Self.isConvertible(self.transferSyntaxUID) {
            for target in [NetworkUID.explicitVRLittleEndian, NetworkUID.implicitVRLittleEndian] where !syntaxes.contains(target) {
                syntaxes.append(target)
            }
        }
        return syntaxes
    }

    /// Whether a data set in `uid` can be re-encoded on the fly (native, not deflated).
    static func isConvertible(_ uid: String) -> Bool {
        guard let syntax = TransferSyntax(uid: uid) else { return false }
        return syntax.isNative
    }
}
