import HTTPTypes
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Size and free space of the file system holding a path (`statvfs`), read on NIO's
/// blocking pool because a storage root on NFS may stall.
struct DiskUsage: Sendable {
    let totalBytes: Int64
    let availableBytes: Int64

    /// Used share, 0…1.
    var usedFraction: Double {
        totalBytes > 0 ? Double(totalBytes - availableBytes) / Double(totalBytes) : 0
    }

    /// The usage of the file system holding `path`, or nil when it cannot be read.
    static func of(_ path: String) async -> DiskUsage? {
        (try? await NIOThreadPool.singleton.runIfActive {
            var stats = statvfs()
            guard statvfs(path, &stats) == 0 else { return DiskUsage?.none }
            return DiskUsage(
                totalBytes: Int64(stats.f_blocks) * Int64(stats.f_frsize),
                availableBytes: Int64(stats.f_bavail) * Int64(stats.f_frsize))
        }) ?? nil
    }
}
