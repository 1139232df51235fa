import CZlib

/// Incremental raw-deflate (RFC 1951) decompression for Deflated Explicit VR Little Endian.
///
/// A class because zlib's stream state must not move in memory once initialised.
final class Inflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 16)
    private var input: [UInt8] = []
    private var inputStart = 0
    private(set) var isFinished = false

    init() throws(DICOMError) {
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // Negative window bits: raw deflate without zlib header, as PS3.5 §A.5 specifies.
        let status = inflateInit2_(stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            scratch.deallocate()
            throw DICOMError(.deflate, "inflateInit2 failed (\(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        scratch.deallocate()
    }

    /// Compressed bytes waiting to be inflated.
    var pendingInputCount: Int { input.count - inputStart }

    func append(_ bytes: UnsafeRawBufferPointer) {
        if inputStart > 0 && inputStart >= input.count / 2 {
            input.removeFirst(inputStart)
            inputStart = 0
        }
        input.append(contentsOf: bytes)
    }

    /// Inflates at most `limit` bytes (and at most 64 KiB) onto the end of `output`; returns
    /// how many were added.
    func inflate(into output: inout [UInt8], limit: Int, streamOffset: Int64) throws(DICOMError) -> Int {
        guard !isFinished, pendingInputCount > 0, limit > 0 else { return 0 }
        guard let outBase = scratch.baseAddress else { return 0 }
        let capacity = min(limit, scratch.count)
        var status: Int32 = Z_OK
        var consumed = 0
        input.withUnsafeMutableBufferPointer { inBuffer in
            guard let inBase = inBuffer.baseAddress else { return }
            stream.pointee.next_in = inBase + inputStart
            stream.pointee.avail_in = UInt32(clamping: inBuffer.count - inputStart)
            stream.pointee.next_out = outBase
            stream.pointee.avail_out = UInt32(capacity)
            let availIn = stream.pointee.avail_in
            status = CZlib.inflate(stream, Z_NO_FLUSH)
            consumed = Int(availIn - stream.pointee.avail_in)
            // zlib must not keep pointers into Swift-managed memory between calls.
            stream.pointee.next_in = nil
        }
        let produced = capacity - Int(stream.pointee.avail_out)
        stream.pointee.next_out = nil
        inputStart += consumed
        output.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[0..<produced]))
        switch status {
        case Z_OK, Z_BUF_ERROR:
            break
        case Z_STREAM_END:
            isFinished = true
        default:
            throw DICOMError(.deflate, offset: streamOffset, "inflate failed (\(status))")
        }
        return produced
    }
}
