import Foundation

/// Test DICOM files from the shared corpus (`DICOM_GW_CORPUS`, default `../shared/corpus`).
enum ConsoleCorpus {
    struct File {
        let name: String
        let bytes: [UInt8]
    }

    static var root: URL {
        if let path = ProcessInfo.processInfo.environment["DICOM_GW_CORPUS"] { return URL(fileURLWithPath: path) }
        return AdminTestDatabase.packageRoot.appendingPathComponent("../shared/corpus").standardizedFileURL
    }

    /// A small file of `modality` from the corpus.
    static func file(modality: String) throws -> File {
        let candidates = ["pydicom/CT_small.dcm", "pydicom/MR_small.dcm"]
        for candidate in candidates where candidate.contains(modality) {
            let url = root.appendingPathComponent(candidate)
            if let data = FileManager.default.contents(atPath: url.path) {
                return File(name: url.lastPathComponent, bytes: Array(data))
            }
        }
        throw CorpusMissing(path: root.path)
    }

    struct CorpusMissing: Error, CustomStringConvertible {
        let path: String
        var description: String { "no CT file in the corpus at \(path)" }
    }
}
