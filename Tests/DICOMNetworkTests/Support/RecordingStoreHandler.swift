import DICOMNetwork
import NIOCore
import Synchronization

/// A test store handler: keeps each received data set in memory, answers a configurable status.
final class RecordingStoreHandler: StoreHandler {
    struct Received: Sendable {
        var request: StoreRequest
        var bytes: [UInt8]
        var fragments: Int
    }

    private let received = Mutex<[Received]>([])
    private let status: @Sendable (StoreRequest) -> StoreResult
    private let delay: Duration?

    init(delay: Duration? = nil, status: @escaping @Sendable (StoreRequest) -> StoreResult = { _ in .success }) {
        self.status = status
        self.delay = delay
    }

    var all: [Received] { self.received.withLock { $0 } }

    func store(_ request: StoreRequest, dataSet: DataSetStream) async -> StoreResult {
        var bytes: [UInt8] = []
        var fragments = 0
        do {
            for try await fragment in dataSet {
                bytes.append(contentsOf: fragment.readableBytesView)
                fragments += 1
                if let delay { try? await Task.sleep(for: delay) }
            }
        } catch {
            return .failure(.outOfResources, "stream failed")
        }
        let record = Received(request: request, bytes: bytes, fragments: fragments)
        self.received.withLock { $0.append(record) }
        return self.status(request)
    }
}
