import ArgumentParser
import DICOM
import Foundation

/// `dicom-gw dump FILE… [--json]`: prints DICOM files like dcmdump, or as DICOM JSON.
struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print the meta information and data set of DICOM files.",
        discussion: """
            Each element is printed with its tag, VR, value, length and name; sequences are \
            indented. With --json, prints a JSON array with one DICOM JSON Model object \
            (PS3.18 Annex F) per file. Exits non-zero if any file cannot be read, naming the \
            error and its byte offset.
            """
    )

    @Argument(help: "DICOM files (Part 10, or raw data sets).")
    var files: [String]

    @Flag(help: "Print the DICOM JSON Model (PS3.18 Annex F) instead of a listing.")
    var json = false

    @Option(help: "Longest value loaded, in bytes; longer ones are shown as not loaded.")
    var maxValueLength = 1 << 20

    func run() throws {
        var failed = false
        var objects: [String] = []
        for path in files {
            do {
                if json {
                    var options = DICOMFile.ReadOptions()
                    options.maxValueLength = maxValueLength
                    let file = try DICOMFile.read(path: path, options: options)
                    objects.append(DICOMJSONEncoder.encode(file.dataSet))
                } else {
                    try printListing(path)
                }
            } catch {
                failed = true
                FileHandle.standardError.write(Data("dicom-gw dump: \(path): \(error)\n".utf8))
            }
        }
        if json {
            print("[" + objects.joined(separator: ",\n") + "]")
        }
        if failed {
            throw ExitCode(1)
        }
    }

    private func printListing(_ path: String) throws(DICOMError) {
        var config = DataSetParser.Configuration()
        config.maxValueLength = maxValueLength
        let reader = try DICOMFileReader(path: path, configuration: config)
        if files.count > 1 {
            print("# File: \(path)")
        }
        if let meta = reader.header.meta {
            print("# Dicom-Meta-Information-Header")
            print("# Used TransferSyntax: \(TransferSyntax.explicitVRLittleEndian.name)")
            for element in meta.dataSet.elements {
                let bytes = element.bytes ?? []
                let record = DumpRecord(
                    kind: .element, depth: 0, tag: element.tag, vr: element.vr, length: UInt32(bytes.count),
                    value: ValueFormatter.text(bytes, vr: element.vr), isExplicitVR: true, offset: 0)
                print(DumpFormatter.line(record))
            }
            print("")
        }
        print("# Dicom-Data-Set")
        print("# Used TransferSyntax: \(reader.header.transferSyntax.name)")
        var recorder = DumpRecorder(maxValueBytes: maxValueLength)
        var printed = 0
        do {
            while let event = try reader.next() {
                recorder.add(event)
                // Print as we go so a damaged file still shows what came before the error.
                let records = recorder.records
                while printed < records.count {
                    print(DumpFormatter.line(records[printed]))
                    printed += 1
                }
            }
        }
        print("")
    }
}
