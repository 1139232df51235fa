public import DICOM
public import NIOCore
import NIOPosix

/// The data set of a Part 10 file re-encoded in another native transfer syntax, as an
/// `AsyncSequence` of buffers, read and converted in bounded batches on the NIO thread pool
/// (file reads block), so memory does not grow with the object.
public struct TranscodedDataSet: AsyncSequence {
    public typealias Element = ByteBuffer
    public typealias Failure = any Error

    let path: String
    let target: TransferSyntax
    let batchSize: Int

    /// Creates the sequence; nothing is read until iteration.
    /// - Parameters:
    ///   - path: the Part 10 file.
    ///   - target: Explicit or Implicit VR Little Endian (any native syntax).
    ///   - batchSize: bytes produced per thread-pool hop.
    public init(path: String, target: TransferSyntax, batchSize: Int = 256 * 1024) {
        self.path = path
        self.target = target
        self.batchSize = batchSize
    }

    /// Creates the iterator.
    public func makeAsyncIterator() -> Iterator {
        Iterator(box: ReaderBox(path: self.path, target: self.target, batchSize: self.batchSize))
    }

    /// Iterates the converted bytes.
    public struct Iterator: AsyncIteratorProtocol {
        let box: ReaderBox

        /// The next batch of converted bytes, or nil at the end.
        public mutating func next() async throws -> ByteBuffer? {
            let box = self.box
            return try await NIOThreadPool.singleton.runIfActive { try box.nextBatch() }
        }
    }

    /// Holds the blocking reader and transcoder.
    ///
    /// `@unchecked Sendable`: only one iterator uses a box, and it awaits each batch before
    /// asking for the next, so the thread-pool closures touching it never overlap.
    final class ReaderBox: @unchecked Sendable {
        let path: String
        let target: TransferSyntax
        let batchSize: Int
        var reader: DICOMFileReader?
        var transcoder: DataSetTranscoder?
        var done = false

        init(path: String, target: TransferSyntax, batchSize: Int) {
            self.path = path
            self.target = target
            self.batchSize = batchSize
        }

        func nextBatch() throws -> ByteBuffer? {
            if self.done { return nil }
            if self.reader == nil {
                var configuration = DataSetParser.Configuration()
                configuration.maxValueLength = 1 << 16
                configuration.largeValues = .stream
                self.reader = try DICOMFileReader(path: self.path, configuration: configuration)
                self.transcoder = try DataSetTranscoder(target: self.target)
            }
            guard let reader = self.reader, var transcoder = self.transcoder else { return nil }
            defer { self.transcoder = transcoder }
            var out: [UInt8] = []
            out.reserveCapacity(self.batchSize + 1024)
            while out.count < self.batchSize {
                guard let event = try reader.next() else {
                    self.done = true
                    break
                }
                out += try transcoder.encode(event)
            }
            return out.isEmpty && self.done ? nil : ByteBuffer(bytes: out)
        }
    }
}

@available(*, unavailable)
extension TranscodedDataSet.Iterator: Sendable {}
