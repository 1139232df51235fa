import DICOM
import DICOMNetwork
import NIOCore
import NIOFileSystem

/// Writes each received object as a Part 10 file (meta header + the data set as received),
/// streaming: fragments are coalesced into ~1 MiB writes on NIO's file system thread pool.
/// Like storescp in its default mode, it does not fsync.
struct FileWritingStoreHandler: StoreHandler {
    let directory: String

    func store(_ request: StoreRequest, dataSet: DataSetStream) async -> StoreResult {
        let path = FilePath(self.directory).appending("\(request.sopInstanceUID).dcm")
        do {
            let header = try FileMetaInformation.header(
                sopClassUID: request.sopClassUID, sopInstanceUID: request.sopInstanceUID,
                transferSyntax: TransferSyntax.forUID(request.transferSyntaxUID),
                sourceAETitle: request.association.callingAETitle)
            try await FileSystem.shared.withFileHandle(
                forWritingAt: path, options: .newFile(replaceExisting: true)
            ) { handle in
                var pending = ByteBuffer(bytes: header)
                var offset: Int64 = 0
                for try await var fragment in dataSet {
                    pending.writeBuffer(&fragment)
                    if pending.readableBytes >= 1 << 20 {
                        offset += try await handle.write(contentsOf: pending, toAbsoluteOffset: offset)
                        pending.clear()
                    }
                }
                if pending.readableBytes > 0 {
                    try await handle.write(contentsOf: pending, toAbsoluteOffset: offset)
                }
            }
            return .success
        } catch {
            _ = try? await FileSystem.shared.removeItem(at: path)
            return .failure(.outOfResources, "write failed: \(error)")
        }
    }
}
