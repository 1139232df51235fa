// libFuzzer entry point for the DICOM reader, compiled together with the DICOM module's
// sources by scripts/fuzz.sh (swiftc -sanitize=fuzzer,address).
//
// Each input is tried as a Part 10 file and as a raw data set in every native syntax and a
// deflated one, fed in uneven chunks, with the event stream rebuilt into a data set, written
// back and re-read: any crash, sanitizer report or hang is a bug; errors are expected.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDICOM(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let header = try? Part10Header.parse(bytes, isComplete: true) {
        exercise(Array(bytes[min(header.dataSetOffset, bytes.count)...]), syntax: header.transferSyntax)
    }
    let chooser = bytes.first.map { Int($0) } ?? 0
    let syntaxes: [TransferSyntax] = [
        .implicitVRLittleEndian, .explicitVRLittleEndian, .explicitVRBigEndian,
        .deflatedExplicitVRLittleEndian, .jpeg2000,
    ]
    exercise(bytes, syntax: syntaxes[chooser % syntaxes.count])
    return 0
}

private func exercise(_ bytes: [UInt8], syntax: TransferSyntax) {
    var config = DataSetParser.Configuration()
    config.maxValueLength = 256
    config.largeValues = bytes.count % 2 == 0 ? .stream : .skip
    config.maxDepth = 16
    guard let parser = try? DataSetParser(transferSyntax: syntax, configuration: config) else { return }
    var builder = DataSetBuilder()
    var recorder = DumpRecorder()
    var offset = 0
    var step = 1
    do {
        while offset < bytes.count {
            let end = min(offset + step, bytes.count)
            parser.append(bytes[offset..<end])
            offset = end
            step = step * 3 % 61 + 1
            while let event = try parser.next() {
                builder.add(event)
                recorder.add(event)
            }
        }
        parser.finish()
        while let event = try parser.next() {
            builder.add(event)
            recorder.add(event)
        }
    } catch {
        return
    }
    for record in recorder.records { _ = DumpFormatter.line(record) }
    _ = DICOMJSONEncoder.encode(builder.dataSet)
    _ = InstanceHeader(dataSet: builder.dataSet)
    if syntax.isNative, !syntax.isDeflated, let written = try? DataSetWriter.encode(builder.dataSet, transferSyntax: syntax) {
        let reparsed = try? DataSetParser(transferSyntax: syntax)
        reparsed?.append(written)
        reparsed?.finish()
        while (try? reparsed?.next()) != nil {}
    }
}
