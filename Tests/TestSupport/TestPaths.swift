public import Foundation

/// Where things are for tests that run the built tools or read the shared corpus.
public enum TestPaths {
    /// The package root, from this file's place (Tests/TestSupport/).
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The built `dicom-gw` (debug), which `swift build --build-tests` builds beside the tests.
    public static var gatewayBinary: String {
        packageRoot.appendingPathComponent(".build/debug/dicom-gw").path
    }

    /// The shared DICOM corpus (`DICOM_GW_CORPUS`, else `../shared/corpus` beside the package).
    public static var corpus: URL {
        if let path = ProcessInfo.processInfo.environment["DICOM_GW_CORPUS"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }
}
