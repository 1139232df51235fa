/// Encodes in-memory data sets in the uncompressed transfer syntaxes.
///
/// Writing the elements read from Implicit or Explicit VR Little Endian back in the same
/// syntax reproduces the input byte for byte (lengths, undefined lengths and padding are
/// kept). Writing in the other syntax converts: implicit → explicit takes VRs from the
/// elements (dictionary VRs, `UN` for unknown tags; values longer than 65535 bytes in a
/// short-length VR become `UN`); explicit → implicit drops them.
public enum DataSetWriter {
    /// The bytes of `dataSet` in `transferSyntax` (native or encapsulated; not deflated).
    ///
    /// - Throws: `.unsupportedTransferSyntax` for deflated syntaxes, `.invalidValue` for a
    ///   value that was skipped when reading, `.lengthTooLarge` past 4 GiB.
    public static func encode(_ dataSet: DataSet, transferSyntax: TransferSyntax) throws(DICOMError) -> [UInt8] {
        guard !transferSyntax.isDeflated else {
            throw DICOMError(.unsupportedTransferSyntax, "writing \(transferSyntax.name) is not supported")
        }
        var writer = ByteWriter(bigEndian: transferSyntax.isBigEndian)
        try write(dataSet, into: &writer, explicitVR: transferSyntax.isExplicitVR)
        return writer.bytes
    }

    /// Encodes a single element (used for file meta information and command sets).
    public static func encode(_ element: DataElement, explicitVR: Bool, bigEndian: Bool = false) throws(DICOMError) -> [UInt8] {
        var writer = ByteWriter(bigEndian: bigEndian)
        try write(element, into: &writer, explicitVR: explicitVR)
        return writer.bytes
    }

    static func write(_ dataSet: DataSet, into writer: inout ByteWriter, explicitVR: Bool) throws(DICOMError) {
        for element in dataSet.elements {
            try write(element, into: &writer, explicitVR: explicitVR)
        }
    }

    static func write(_ element: DataElement, into writer: inout ByteWriter, explicitVR: Bool) throws(DICOMError) {
        switch element.value {
        case .bytes(var bytes):
            guard bytes.count <= Int(UInt32.max - 1) else {
                throw DICOMError(.lengthTooLarge, "\(element.tag) value of \(bytes.count) bytes")
            }
            if writer.bigEndian, let width = ValueDecoding.swapWidth(for: element.vr) {
                ValueDecoding.swapBytes(&bytes, width: width)
            }
            writer.header(tag: element.tag, vr: element.vr, length: UInt32(bytes.count), explicitVR: explicitVR)
            writer.append(bytes)
        case .skipped(let length):
            throw DICOMError(.invalidValue, "\(element.tag) value (\(length) bytes) was not loaded and cannot be written")
        case .sequence(let items):
            // A UN element holding a sequence keeps its content in Implicit VR Little Endian.
            let innerExplicit = element.vr == .UN ? false : explicitVR
            let vr = element.vr == .UN ? VR.UN : VR.SQ
            var inner = ByteWriter(bigEndian: element.vr == .UN ? false : writer.bigEndian)
            for item in items {
                try writeItem(item, into: &inner, explicitVR: innerExplicit)
            }
            if element.hasUndefinedLength {
                writer.header(tag: element.tag, vr: vr, length: ElementHeader.undefinedLength, explicitVR: explicitVR)
                writer.append(inner.bytes)
                writer.delimiter(.sequenceDelimitationItem, length: 0)
            } else {
                writer.header(tag: element.tag, vr: vr, length: try length(inner.bytes, element.tag), explicitVR: explicitVR)
                writer.append(inner.bytes)
            }
        case .fragments(let fragments):
            writer.header(tag: element.tag, vr: element.vr, length: ElementHeader.undefinedLength, explicitVR: explicitVR)
            for fragment in fragments {
                writer.delimiter(.item, length: try length(fragment, .item))
                writer.append(fragment)
            }
            writer.delimiter(.sequenceDelimitationItem, length: 0)
        }
    }

    static func writeItem(_ item: DataSet, into writer: inout ByteWriter, explicitVR: Bool) throws(DICOMError) {
        var inner = ByteWriter(bigEndian: writer.bigEndian)
        try write(item, into: &inner, explicitVR: explicitVR)
        if item.hasUndefinedLength {
            writer.delimiter(.item, length: ElementHeader.undefinedLength)
            writer.append(inner.bytes)
            writer.delimiter(.itemDelimitationItem, length: 0)
        } else {
            writer.delimiter(.item, length: try length(inner.bytes, .item))
            writer.append(inner.bytes)
        }
    }

    private static func length(_ bytes: [UInt8], _ tag: Tag) throws(DICOMError) -> UInt32 {
        guard bytes.count < Int(ElementHeader.undefinedLength) else {
            throw DICOMError(.lengthTooLarge, "\(tag) content of \(bytes.count) bytes")
        }
        return UInt32(bytes.count)
    }
}
