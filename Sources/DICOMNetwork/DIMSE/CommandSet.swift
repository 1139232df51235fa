public import NIOCore

/// A DIMSE command set: group 0000 elements, always Implicit VR Little Endian (PS3.7 §6.3.1).
///
/// Command sets are a small closed domain with a fixed encoding, so this type carries its own
/// codec instead of a general data set parser. Values are kept as raw bytes keyed by tag;
/// typed accessors cover the elements used by C-ECHO and C-STORE.
public struct CommandSet: Sendable, Hashable {
    /// A group 0000 element tag (element number; the group is always 0000).
    public struct Tag: Sendable, Hashable, Comparable, RawRepresentable {
        /// The element number within group 0000.
        public var rawValue: UInt16
        /// Creates a tag from its element number.
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        /// Orders tags by element number (the encoding order).
        public static func < (lhs: Tag, rhs: Tag) -> Bool { lhs.rawValue < rhs.rawValue }

        /// (0000,0000) Command Group Length (UL).
        public static let groupLength = Tag(rawValue: 0x0000)
        /// (0000,0002) Affected SOP Class UID (UI).
        public static let affectedSOPClassUID = Tag(rawValue: 0x0002)
        /// (0000,0003) Requested SOP Class UID (UI).
        public static let requestedSOPClassUID = Tag(rawValue: 0x0003)
        /// (0000,0100) Command Field (US).
        public static let commandField = Tag(rawValue: 0x0100)
        /// (0000,0110) Message ID (US).
        public static let messageID = Tag(rawValue: 0x0110)
        /// (0000,0120) Message ID Being Responded To (US).
        public static let messageIDBeingRespondedTo = Tag(rawValue: 0x0120)
        /// (0000,0600) Move Destination (AE).
        public static let moveDestination = Tag(rawValue: 0x0600)
        /// (0000,0700) Priority (US).
        public static let priority = Tag(rawValue: 0x0700)
        /// (0000,0800) Command Data Set Type (US): 0101h means no data set.
        public static let commandDataSetType = Tag(rawValue: 0x0800)
        /// (0000,0900) Status (US).
        public static let status = Tag(rawValue: 0x0900)
        /// (0000,0901) Offending Element (AT).
        public static let offendingElement = Tag(rawValue: 0x0901)
        /// (0000,0902) Error Comment (LO).
        public static let errorComment = Tag(rawValue: 0x0902)
        /// (0000,0903) Error ID (US).
        public static let errorID = Tag(rawValue: 0x0903)
        /// (0000,1000) Affected SOP Instance UID (UI).
        public static let affectedSOPInstanceUID = Tag(rawValue: 0x1000)
        /// (0000,1001) Requested SOP Instance UID (UI).
        public static let requestedSOPInstanceUID = Tag(rawValue: 0x1001)
        /// (0000,1030) Move Originator Application Entity Title (AE).
        public static let moveOriginatorAETitle = Tag(rawValue: 0x1030)
        /// (0000,1031) Move Originator Message ID (US).
        public static let moveOriginatorMessageID = Tag(rawValue: 0x1031)
    }

    /// Command Data Set Type value meaning "no data set follows".
    public static let noDataSet: UInt16 = 0x0101
    /// The largest command set accepted when decoding.
    public static let maxEncodedLength = 64 * 1024

    /// Raw element values (without padding removed), keyed by tag.
    public private(set) var elements: [Tag: [UInt8]]

    /// Creates an empty command set.
    public init() { self.elements = [:] }

    // MARK: Raw access

    /// Sets an unsigned short (US) element.
    public mutating func set(_ tag: Tag, uint16 value: UInt16) {
        self.elements[tag] = [UInt8(value & 0xFF), UInt8(value >> 8)]
    }

    /// Sets a string element (UI padded with NUL, others with space, to even length).
    public mutating func set(_ tag: Tag, string value: String, isUID: Bool) {
        var bytes = Array(value.utf8)
        if bytes.count % 2 == 1 { bytes.append(isUID ? 0 : UInt8(ascii: " ")) }
        self.elements[tag] = bytes
    }

    /// Removes an element.
    public mutating func remove(_ tag: Tag) { self.elements[tag] = nil }

    /// The value of a US element, if present and 2 bytes long.
    public func uint16(_ tag: Tag) -> UInt16? {
        guard let bytes = self.elements[tag], bytes.count == 2 else { return nil }
        return UInt16(bytes[0]) | UInt16(bytes[1]) << 8
    }

    /// The value of a string element with its padding (NUL, spaces) trimmed.
    public func string(_ tag: Tag) -> String? {
        guard let bytes = self.elements[tag] else { return nil }
        return String(decoding: bytes, as: UTF8.self).trimmingPadding()
    }

    // MARK: Typed accessors

    /// (0000,0100) Command Field.
    public var commandField: CommandField? {
        self.uint16(.commandField).map(CommandField.init(rawValue:))
    }
    /// (0000,0110) Message ID.
    public var messageID: UInt16? { self.uint16(.messageID) }
    /// (0000,0120) Message ID Being Responded To.
    public var messageIDBeingRespondedTo: UInt16? { self.uint16(.messageIDBeingRespondedTo) }
    /// (0000,0002) Affected SOP Class UID.
    public var affectedSOPClassUID: String? { self.string(.affectedSOPClassUID) }
    /// (0000,1000) Affected SOP Instance UID.
    public var affectedSOPInstanceUID: String? { self.string(.affectedSOPInstanceUID) }
    /// (0000,0700) Priority: 0 medium, 1 high, 2 low.
    public var priority: UInt16? { self.uint16(.priority) }
    /// Whether a data set follows the command ((0000,0800) present and not 0101h).
    public var hasDataSet: Bool {
        guard let type = self.uint16(.commandDataSetType) else { return false }
        return type != Self.noDataSet
    }
    /// (0000,0900) Status.
    public var status: DIMSEStatus? { self.uint16(.status).map(DIMSEStatus.init(rawValue:)) }
    /// (0000,0902) Error Comment.
    public var errorComment: String? { self.string(.errorComment) }
    /// (0000,1030) Move Originator AE Title.
    public var moveOriginatorAETitle: String? { self.string(.moveOriginatorAETitle) }
    /// (0000,1031) Move Originator Message ID.
    public var moveOriginatorMessageID: UInt16? { self.uint16(.moveOriginatorMessageID) }

    // MARK: Codec

    /// Encodes the command set in Implicit VR LE, with (0000,0000) group length first.
    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        let body = self.elements.filter { $0.key != .groupLength }.sorted { $0.key < $1.key }
        let groupLength = body.reduce(0) { $0 + 8 + $1.value.count }
        var buffer = allocator.buffer(capacity: 12 + groupLength)
        buffer.writeMultipleIntegers(UInt16(0), UInt16(0), UInt32(4), UInt32(groupLength), endianness: .little)
        for (tag, value) in body {
            buffer.writeMultipleIntegers(UInt16(0), tag.rawValue, UInt32(value.count), endianness: .little)
            buffer.writeBytes(value)
        }
        return buffer
    }

    /// Decodes a command set.
    /// - Throws: `DIMSEError` (`.malformedCommandSet`, `.commandTooLarge`) on bad input.
    public static func decode(_ buffer: ByteBuffer) throws(DIMSEError) -> CommandSet {
        guard buffer.readableBytes <= Self.maxEncodedLength else {
            throw DIMSEError(code: .commandTooLarge, message: "\(buffer.readableBytes) bytes")
        }
        var buffer = buffer
        var set = CommandSet()
        while buffer.readableBytes > 0 {
            guard let (group, element, length) = buffer.readMultipleIntegers(
                endianness: .little, as: (UInt16, UInt16, UInt32).self)
            else {
                throw DIMSEError(code: .malformedCommandSet, message: "truncated element header")
            }
            guard group == 0x0000 else {
                throw DIMSEError(code: .malformedCommandSet, message: "element of group \(group) in a command set")
            }
            guard length != 0xFFFF_FFFF, Int(length) <= buffer.readableBytes,
                let value = buffer.readBytes(length: Int(length))
            else {
                throw DIMSEError(code: .malformedCommandSet, message: "element (0000,\(element)) length \(length) overruns")
            }
            set.elements[Tag(rawValue: element)] = value
        }
        return set
    }
}

extension CommandSet {
    /// A C-ECHO-RQ.
    public static func echoRequest(messageID: UInt16) -> CommandSet {
        var set = CommandSet()
        set.set(.affectedSOPClassUID, string: NetworkUID.verificationSOPClass, isUID: true)
        set.set(.commandField, uint16: CommandField.cEchoRequest.rawValue)
        set.set(.messageID, uint16: messageID)
        set.set(.commandDataSetType, uint16: Self.noDataSet)
        return set
    }

    /// A response to `request` with `status` and no data set (C-ECHO-RSP, C-STORE-RSP, …).
    ///
    /// Echoes the request's affected SOP class/instance UIDs and adds an Error Comment
    /// (at most 64 characters) when one is given.
    public static func response(
        to request: CommandSet, status: DIMSEStatus, errorComment: String? = nil
    ) -> CommandSet {
        var set = CommandSet()
        let field = request.commandField ?? .cEchoRequest
        if let sopClass = request.affectedSOPClassUID {
            set.set(.affectedSOPClassUID, string: sopClass, isUID: true)
        }
        set.set(.commandField, uint16: field.response.rawValue)
        set.set(.messageIDBeingRespondedTo, uint16: request.messageID ?? 0)
        set.set(.commandDataSetType, uint16: Self.noDataSet)
        set.set(.status, uint16: status.rawValue)
        if let instance = request.affectedSOPInstanceUID {
            set.set(.affectedSOPInstanceUID, string: instance, isUID: true)
        }
        if let errorComment, status.category != .success {
            set.set(.errorComment, string: String(errorComment.prefix(64)), isUID: false)
        }
        return set
    }

    /// A C-STORE-RQ.
    public static func storeRequest(
        messageID: UInt16,
        sopClassUID: String,
        sopInstanceUID: String,
        priority: UInt16 = 0,
        moveOriginatorAETitle: String? = nil,
        moveOriginatorMessageID: UInt16? = nil
    ) -> CommandSet {
        var set = CommandSet()
        set.set(.affectedSOPClassUID, string: sopClassUID, isUID: true)
        set.set(.commandField, uint16: CommandField.cStoreRequest.rawValue)
        set.set(.messageID, uint16: messageID)
        set.set(.priority, uint16: priority)
        set.set(.commandDataSetType, uint16: 0x0000)
        set.set(.affectedSOPInstanceUID, string: sopInstanceUID, isUID: true)
        if let moveOriginatorAETitle {
            set.set(.moveOriginatorAETitle, string: moveOriginatorAETitle, isUID: false)
        }
        if let moveOriginatorMessageID {
            set.set(.moveOriginatorMessageID, uint16: moveOriginatorMessageID)
        }
        return set
    }
}
