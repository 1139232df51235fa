/// Appends DICOM headers and numbers to a byte array in one byte order.
struct ByteWriter {
    var bytes: [UInt8] = []
    let bigEndian: Bool

    init(bigEndian: Bool = false, capacity: Int = 0) {
        self.bigEndian = bigEndian
        bytes.reserveCapacity(capacity)
    }

    mutating func u16(_ value: UInt16) {
        if bigEndian {
            bytes.append(UInt8(truncatingIfNeeded: value >> 8))
            bytes.append(UInt8(truncatingIfNeeded: value))
        } else {
            bytes.append(UInt8(truncatingIfNeeded: value))
            bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        }
    }

    mutating func u32(_ value: UInt32) {
        if bigEndian {
            u16(UInt16(truncatingIfNeeded: value >> 16))
            u16(UInt16(truncatingIfNeeded: value))
        } else {
            u16(UInt16(truncatingIfNeeded: value))
            u16(UInt16(truncatingIfNeeded: value >> 16))
        }
    }

    mutating func tag(_ tag: Tag) {
        u16(tag.group)
        u16(tag.element)
    }

    /// Writes an element header.
    mutating func header(tag: Tag, vr: VR, length: UInt32, explicitVR: Bool) {
        self.tag(tag)
        guard explicitVR else {
            u32(length)
            return
        }
        // A value too long for a 16-bit length is written as UN (PS3.5 §6.2.2 note).
        let vr = !vr.hasLongLength && length > 0xFFFF ? VR.UN : vr
        let (a, b) = vr.bytes
        bytes.append(a)
        bytes.append(b)
        if vr.hasLongLength {
            u16(0)
            u32(length)
        } else {
            u16(UInt16(truncatingIfNeeded: length))
        }
    }

    /// Writes an item or delimitation header (always 8 bytes, no VR).
    mutating func delimiter(_ tag: Tag, length: UInt32) {
        self.tag(tag)
        u32(length)
    }

    mutating func append(_ more: [UInt8]) {
        bytes.append(contentsOf: more)
    }
}
