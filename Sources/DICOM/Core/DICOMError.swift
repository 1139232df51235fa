/// An error reading or writing DICOM data, with the byte offset where it was found.
///
/// Match on `code`; `offset` is relative to the start of the input given to the reader
/// (for a Part 10 file, the file offset; for a deflated data set, the offset in the inflated
/// stream).
public struct DICOMError: Error, Sendable, CustomStringConvertible {
    /// The kind of error.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case truncated, lengthTooLarge, invalidLength, nestingTooDeep, unexpectedTag
            case invalidVR, notDICOM, invalidFileMeta, unsupportedTransferSyntax
            case deflate, invalidValue, io
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The input ended inside an element, item or sequence.
        public static let truncated = Code(.truncated)
        /// A length exceeds a configured cap.
        public static let lengthTooLarge = Code(.lengthTooLarge)
        /// A length is inconsistent (element past the end of its item, odd where forbidden…).
        public static let invalidLength = Code(.invalidLength)
        /// Sequences are nested deeper than the configured cap.
        public static let nestingTooDeep = Code(.nestingTooDeep)
        /// A tag appears where it cannot (a non-item inside a sequence, a stray delimiter…).
        public static let unexpectedTag = Code(.unexpectedTag)
        /// A VR cannot be used here (undefined length on a VR that cannot have one…).
        public static let invalidVR = Code(.invalidVR)
        /// The input is not a DICOM file or data set.
        public static let notDICOM = Code(.notDICOM)
        /// The Part 10 file meta information is malformed.
        public static let invalidFileMeta = Code(.invalidFileMeta)
        /// The transfer syntax is not one this library can parse.
        public static let unsupportedTransferSyntax = Code(.unsupportedTransferSyntax)
        /// A deflated data set could not be inflated.
        public static let deflate = Code(.deflate)
        /// A value is malformed for its VR (for example an invalid UID).
        public static let invalidValue = Code(.invalidValue)
        /// Reading or writing a file failed.
        public static let io = Code(.io)

        public var description: String { base.rawValue }
    }

    /// The kind of error.
    public var code: Code
    /// Byte offset of the offending element or byte, when known.
    public var offset: Int64?
    /// A human-readable explanation.
    public var message: String
    /// Source location that raised the error.
    public var file: String
    /// Source line that raised the error.
    public var line: Int

    /// Creates an error.
    public init(_ code: Code, offset: Int64? = nil, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.offset = offset
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String {
        if let offset {
            return "DICOM \(code) at offset \(offset): \(message)"
        }
        return "DICOM \(code): \(message)"
    }
}
