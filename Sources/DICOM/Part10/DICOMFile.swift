import Foundation

/// A DICOM file read into memory: header and data set.
public struct DICOMFile: Sendable {
    /// Limits for reading a whole file.
    public struct ReadOptions: Sendable {
        /// Values longer than this are not loaded (`DataElement.Value.skipped`).
        public var maxValueLength: Int = 64 << 20
        /// Stop before this top-level tag (e.g. `Tag.pixelData`).
        public var stopBefore: Tag?
        /// Deepest sequence nesting accepted.
        public var maxDepth: Int = 32

        /// The default options.
        public init() {}
    }

    /// The meta information, nil if the file had none.
    public var meta: FileMetaInformation?
    /// The data set's transfer syntax.
    public var transferSyntax: TransferSyntax
    /// The data set (numbers in little-endian order).
    public var dataSet: DataSet
    /// File offset of the data set.
    public var dataSetOffset: Int

    /// Creates a file value.
    public init(meta: FileMetaInformation?, transferSyntax: TransferSyntax, dataSet: DataSet, dataSetOffset: Int = 0) {
        self.meta = meta
        self.transferSyntax = transferSyntax
        self.dataSet = dataSet
        self.dataSetOffset = dataSetOffset
    }

    /// Reads the file at `path`.
    ///
    /// - Throws: `DICOMError` with the file offset of the problem.
    public static func read(path: String, options: ReadOptions = ReadOptions()) throws(DICOMError) -> DICOMFile {
        let reader = try DICOMFileReader(path: path, configuration: options.parserConfiguration)
        var builder = DataSetBuilder()
        while let event = try reader.next() {
            builder.add(event)
        }
        return DICOMFile(
            meta: reader.header.meta, transferSyntax: reader.header.transferSyntax,
            dataSet: builder.dataSet, dataSetOffset: reader.header.dataSetOffset)
    }

    /// Reads a file held in memory.
    public static func read(bytes: [UInt8], options: ReadOptions = ReadOptions()) throws(DICOMError) -> DICOMFile {
        guard let header = try Part10Header.parse(bytes, isComplete: true) else {
            throw DICOMError(.truncated, "incomplete header")
        }
        var config = options.parserConfiguration
        config.baseOffset = Int64(header.dataSetOffset)
        let parser = try DataSetParser(transferSyntax: header.transferSyntax, configuration: config)
        parser.append(bytes[header.dataSetOffset...])
        parser.finish()
        var builder = DataSetBuilder()
        while let event = try parser.next() {
            builder.add(event)
        }
        return DICOMFile(meta: header.meta, transferSyntax: header.transferSyntax, dataSet: builder.dataSet, dataSetOffset: header.dataSetOffset)
    }

    /// The file's bytes: preamble, "DICM", meta (rebuilt with its group length) and the data
    /// set in `transferSyntax`.
    ///
    /// - Throws: as `DataSetWriter.encode`; `.invalidFileMeta` without meta information.
    public func encoded() throws(DICOMError) -> [UInt8] {
        guard let meta else {
            throw DICOMError(.invalidFileMeta, "no file meta information to write")
        }
        return try meta.encoded() + DataSetWriter.encode(dataSet, transferSyntax: transferSyntax)
    }

    /// Writes the file atomically enough for tests and tools (temporary file, then rename).
    public func write(to path: String) throws(DICOMError) {
        let bytes = try encoded()
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw DICOMError(.io, "cannot write \(path): \(error)")
        }
    }
}

extension DICOMFile.ReadOptions {
    var parserConfiguration: DataSetParser.Configuration {
        var config = DataSetParser.Configuration()
        config.maxValueLength = maxValueLength
        config.largeValues = .skip
        config.stopBefore = stopBefore
        config.maxDepth = maxDepth
        return config
    }
}
