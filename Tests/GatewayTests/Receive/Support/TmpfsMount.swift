import Foundation
import Testing

/// A small tmpfs for the disk-full test (needs root and mount rights).
enum TmpfsMount {
    static let isPossible: Bool = {
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("gw-mount-probe-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: probe) }
        do {
            try FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
            try mount(at: probe, megabytes: 1)
            unmount(probe)
            return true
        } catch {
            // In CI the test must run: report the failure instead of skipping.
            return ProcessInfo.processInfo.environment["CI"] != nil
        }
    }()

    static let skipMessage: Comment = "cannot mount a tmpfs here (not root or no CAP_SYS_ADMIN): skipping the disk-full test"

    static func mount(at path: String, megabytes: Int) throws {
        let status = run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0750", "tmpfs", path])
        guard status == 0 else { throw TestFailure("mount tmpfs at \(path) failed (\(status))") }
    }

    /// Unmounts, lazily if the file system is still busy (a descriptor not yet closed), so
    /// no mount outlives the test.
    static func unmount(_ path: String) {
        if run("/bin/umount", [path]) != 0 { _ = run("/bin/umount", ["-l", path]) }
    }

    /// Writes a file that leaves about `leaving` bytes free on the file system of `path`.
    static func fill(_ file: String, leaving: Int, on path: String) throws {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { throw TestFailure("statvfs failed") }
        let free = Int(info.f_bavail) * Int(info.f_frsize)
        let size = max(0, free - leaving)
        try Data(count: size).write(to: URL(fileURLWithPath: file))
    }

    private static func run(_ path: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
