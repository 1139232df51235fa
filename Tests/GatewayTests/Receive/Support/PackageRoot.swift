import Foundation

enum PackageRoot {
    /// The package root, from this file's place (Tests/GatewayTests/Receive/Support/).
    static var url: URL {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<5 { url.deleteLastPathComponent() }
        return url
    }

    /// The built `dicom-gw` (debug) beside the test bundle.
    static var gatewayBinary: String {
        url.appendingPathComponent(".build/debug/dicom-gw").path
    }

    static var corpus: URL {
        if let path = ProcessInfo.processInfo.environment["DICOM_GW_CORPUS"], !path.isEmpty {
            return URL(fileURLWithPath: path).appendingPathComponent("pydicom")
        }
        return url.deletingLastPathComponent().appendingPathComponent("shared/corpus/pydicom")
    }

    /// dev-db.sh, to run private clusters.
    static var databaseControl: String {
        if let path = ProcessInfo.processInfo.environment["DICOM_GW_TEST_DB_CTL"], !path.isEmpty { return path }
        return url.appendingPathComponent("scripts/dev-db.sh").path
    }

    /// A TCP port free at the time of asking.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw TestFailure("bind failed") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw TestFailure("getsockname failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
