/// What precedes the data set in a file: preamble, "DICM" and file meta information, or
/// nothing (a raw data set, whose transfer syntax is then guessed as DCMTK does).
public struct Part10Header: Sendable {
    /// The file meta information, nil for a file without one.
    public var meta: FileMetaInformation?
    /// The transfer syntax of the data set (from the meta information, or guessed).
    public var transferSyntax: TransferSyntax
    /// Offset of the first data set byte.
    public var dataSetOffset: Int

    /// Longest single meta element accepted.
    public static let maxMetaElementLength = 1 << 16
    /// Longest meta information accepted.
    public static let maxMetaLength = 1 << 20

    /// Creates a header.
    public init(meta: FileMetaInformation?, transferSyntax: TransferSyntax, dataSetOffset: Int) {
        self.meta = meta
        self.transferSyntax = transferSyntax
        self.dataSetOffset = dataSetOffset
    }

    /// Parses the header from the first bytes of a file.
    ///
    /// - Parameters:
    ///   - prefix: the file's first bytes (at least 132, or the whole file if shorter).
    ///   - isComplete: whether `prefix` is the whole file.
    /// - Returns: the header, or nil when more bytes are needed to finish the meta information.
    /// - Throws: `DICOMError` (`.notDICOM`, `.invalidFileMeta`, `.truncated`, `.lengthTooLarge`).
    public static func parse(_ prefix: [UInt8], isComplete: Bool) throws(DICOMError) -> Part10Header? {
        if prefix.count < 132 && !isComplete { return nil }
        let dicm: [UInt8] = Array("DICM".utf8)
        var metaStart: Int?
        if prefix.count >= 132 && Array(prefix[128..<132]) == dicm {
            metaStart = 132
        } else if prefix.count >= 4 && Array(prefix[0..<4]) == dicm {
            metaStart = 4
        }
        guard let metaStart else {
            guard let syntax = guessTransferSyntax(prefix, at: 0) else {
                throw DICOMError(.notDICOM, offset: 0, "no DICM prefix and no recognisable data set")
            }
            return Part10Header(meta: nil, transferSyntax: syntax, dataSetOffset: 0)
        }

        var meta = DataSet()
        var offset = metaStart
        while true {
            guard offset + 4 <= prefix.count else {
                if isComplete {
                    if offset == prefix.count { break }
                    throw DICOMError(.truncated, offset: Int64(offset), "file ends inside the file meta information")
                }
                return nil
            }
            let group = u16(prefix, offset)
            if group != 0x0002 { break }
            guard offset - metaStart <= maxMetaLength else {
                throw DICOMError(.lengthTooLarge, offset: Int64(offset), "file meta information longer than \(maxMetaLength) bytes")
            }
            guard offset + 8 <= prefix.count else {
                if isComplete { throw DICOMError(.truncated, offset: Int64(offset), "file ends inside a meta element") }
                return nil
            }
            let tag = Tag(group: group, element: u16(prefix, offset + 2))
            var vr = VR(prefix[offset + 4], prefix[offset + 5])
            var headerLength = 8
            var length: Int
            if !vr.isKnown {
                // Some writers put the meta in implicit VR; read it as DCMTK does.
                vr = DataDictionary.implicitVR(for: tag)
                length = Int(u32(prefix, offset + 4))
            } else if vr.hasLongLength {
                guard offset + 12 <= prefix.count else {
                    if isComplete { throw DICOMError(.truncated, offset: Int64(offset), "file ends inside a meta element") }
                    return nil
                }
                length = Int(u32(prefix, offset + 8))
                headerLength = 12
            } else {
                length = Int(u16(prefix, offset + 6))
            }
            guard length <= maxMetaElementLength else {
                throw DICOMError(.lengthTooLarge, offset: Int64(offset), "meta element \(tag) has length \(length)")
            }
            let end = offset + headerLength + length
            guard end <= prefix.count else {
                if isComplete { throw DICOMError(.truncated, offset: Int64(offset), "file ends inside meta element \(tag)") }
                return nil
            }
            meta.elements.append(DataElement(tag: tag, vr: vr, bytes: Array(prefix[(offset + headerLength)..<end])))
            offset = end
        }
        let info = FileMetaInformation(dataSet: meta)
        let syntax: TransferSyntax
        if let uid = info.transferSyntaxUID, !uid.isEmpty {
            syntax = TransferSyntax.forUID(uid)
        } else {
            syntax = guessTransferSyntax(prefix, at: offset) ?? .explicitVRLittleEndian
        }
        return Part10Header(meta: info, transferSyntax: syntax, dataSetOffset: offset)
    }

    /// Guesses the encoding of a data set from its first element, as DCMTK does: a valid VR
    /// after the tag means explicit VR (big endian if the group reads byte-swapped),
    /// anything else Implicit VR Little Endian.
    public static func guessTransferSyntax(_ bytes: [UInt8], at offset: Int) -> TransferSyntax? {
        guard offset + 8 <= bytes.count else { return nil }
        let vr = VR(bytes[offset + 4], bytes[offset + 5])
        let littleGroup = u16(bytes, offset)
        let bigGroup = UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
        let bigEndian = littleGroup > 0x00FF && bigGroup <= 0x00FF
        if vr.isKnown {
            return bigEndian ? .explicitVRBigEndian : .explicitVRLittleEndian
        }
        if littleGroup > 0x7FE0 && bigGroup > 0x7FE0 { return nil }
        return .implicitVRLittleEndian
    }

    private static func u16(_ b: [UInt8], _ i: Int) -> UInt16 {
        UInt16(b[i]) | UInt16(b[i + 1]) << 8
    }

    private static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}
