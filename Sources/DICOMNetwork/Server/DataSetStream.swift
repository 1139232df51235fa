public import NIOCore

/// The fragments of one received data set, in order, as an `AsyncSequence` of `ByteBuffer`.
///
/// Reading pulls PDUs from the association on demand: the stream is the back-pressure.
/// It ends after the fragment flagged last; it throws `AssociationError` if the association
/// ends first or the peer sends a fragment that does not belong to this data set.
/// Not `Sendable`: consume it in the task that received it.
public struct DataSetStream: AsyncSequence {
    public typealias Element = ByteBuffer
    public typealias Failure = any Error

    let reader: IndicationReader
    let state: State
    let contextID: UInt8

    final class State {
        var finished = false
        var bytesReceived = 0
    }

    init(reader: IndicationReader, contextID: UInt8) {
        self.reader = reader
        self.state = State()
        self.contextID = contextID
    }

    /// Creates the iterator.
    public func makeAsyncIterator() -> Iterator {
        Iterator(stream: self)
    }

    /// Iterates the fragments.
    public struct Iterator: AsyncIteratorProtocol {
        let stream: DataSetStream

        /// The next fragment, or `nil` after the last one.
        public mutating func next() async throws -> ByteBuffer? {
            let state = self.stream.state
            while !state.finished {
                switch await self.stream.reader.next() {
                case .value(let value) where !value.isCommand && value.presentationContextID == self.stream.contextID:
                    state.finished = value.isLast
                    state.bytesReceived += value.data.readableBytes
                    if value.data.readableBytes > 0 { return value.data }
                case .value(let value):
                    let error = AssociationError(
                        code: .protocolError,
                        message: "expected a data set fragment on context \(self.stream.contextID), "
                            + "got a \(value.isCommand ? "command" : "data") fragment on context \(value.presentationContextID)")
                    self.stream.reader.end(error)
                    throw error
                case .ended(let error):
                    throw error
                default:
                    let error = AssociationError(code: .protocolError, message: "association PDU inside a data set")
                    self.stream.reader.end(error)
                    throw error
                }
            }
            return nil
        }
    }

    /// Reads and discards whatever the handler left unread.
    func drain() async throws {
        var iterator = self.makeAsyncIterator()
        while try await iterator.next() != nil {}
    }
}

@available(*, unavailable)
extension DataSetStream: Sendable {}
