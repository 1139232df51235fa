import Foundation

/// Locates the shared test corpus and runs DCMTK's dcmdump on it.
enum Corpus {
    /// `$DICOM_GW_CORPUS`, else `../shared/corpus` relative to the package root.
    static var root: URL {
        if let path = ProcessInfo.processInfo.environment["DICOM_GW_CORPUS"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }

    static var pydicom: URL { root.appendingPathComponent("pydicom") }

    /// The `.dcm` files of the pydicom corpus, sorted.
    static var files: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: pydicom.path)) ?? []
        return names.filter { $0.hasSuffix(".dcm") }.sorted()
    }

    static let truncated: Set<String> = ["MR_truncated.dcm", "rtplan_truncated.dcm"]

    static func path(_ name: String) -> String { pydicom.appendingPathComponent(name).path }

    /// Runs a program and returns its exit status and standard output.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
