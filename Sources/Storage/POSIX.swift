import CStorageShims

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin, throwing wrappers over the few system calls the storage tree needs. Every one is
/// blocking: call them only from a thread pool (``BlockingIO``), never from the
/// cooperative pool or an event loop.
enum POSIX {
    static func error(_ call: String, _ path: String, errno code: Int32 = errno) -> StorageError {
        let text = String(cString: strerror(code))
        switch code {
        case ENOSPC, EDQUOT:
            return StorageError(.diskFull, "\(call) \(path): \(text)", errno: code)
        case ENOENT:
            return StorageError(.notFound, "\(call) \(path): \(text)", errno: code)
        case EEXIST:
            return StorageError(.alreadyExists, "\(call) \(path): \(text)", errno: code)
        case EACCES, EPERM, EROFS:
            return StorageError(.permissionDenied, "\(call) \(path): \(text)", errno: code)
        default:
            return StorageError(.ioFailure, "\(call) \(path): \(text)", errno: code)
        }
    }

    /// Creates `path` exclusively for writing; fails if it exists.
    static func createExclusive(_ path: String, mode: mode_t) throws(StorageError) -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw error("open", path) }
        // The umask may have narrowed the mode; the layout's modes are a contract.
        if fchmod(fd, mode) != 0 {
            let failure = error("fchmod", path)
            _ = close(fd)
            _ = unlink(path)
            throw failure
        }
        return fd
    }

    /// Takes an exclusive advisory lock on `fd` (released when it is closed). Never waits and
    /// never fails the caller: a file system without locks just leaves the file unlocked.
    static func lockExclusive(_ fd: Int32) {
        _ = flock(fd, LOCK_EX | LOCK_NB)
    }

    /// Removes `path` unless another open file description holds its lock (a live receiver,
    /// in this process or another, possibly on another machine sharing the storage).
    /// - Returns: whether the file was removed.
    static func removeIfUnlocked(_ path: String) throws(StorageError) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return false }
            throw error("open", path)
        }
        defer { _ = close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            if errno == EWOULDBLOCK { return false }
            throw error("flock", path)
        }
        try remove(path)
        return true
    }

    static func openForReading(_ path: String) throws(StorageError) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw error("open", path) }
        return fd
    }

    /// Writes every byte, retrying short writes and interruptions.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(StorageError) {
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = write(fd, base, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw error("write", path)
            }
            if written == 0 { throw StorageError(.diskFull, "write \(path): no progress") }
            remaining -= written
            base += written
        }
    }

    /// Reads up to `buffer.count` bytes; 0 at the end of the file.
    static func readSome(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, path: String) throws(StorageError) -> Int {
        while true {
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw error("read", path)
            }
            return count
        }
    }

    /// The names in a directory, without `.` and `..`.
    static func directoryEntries(_ path: String) throws(StorageError) -> [String] {
        guard let directory = opendir(path) else { throw error("opendir", path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func changeMode(_ path: String, _ mode: mode_t) throws(StorageError) {
        guard chmod(path, mode) == 0 else { throw error("chmod", path) }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Which file a path names: its device and inode.
    struct FileIdentity: Equatable, Sendable {
        var device: UInt64
        var inode: UInt64
    }

    /// The identity of the file `path` names (not following a symbolic link); nil if none.
    static func identity(_ path: String) -> FileIdentity? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Asks the kernel to start writing the file's dirty pages now, without waiting, so a
    /// later fsync has less left to do. Advisory: failures are ignored.
    static func startWriteback(_ fd: Int32) {
        _ = cstorage_start_writeback(fd)
    }

    static func sync(_ fd: Int32, path: String) throws(StorageError) {
        guard fsync(fd) == 0 else { throw error("fsync", path) }
    }

    /// fsyncs a directory so a rename or link inside it survives a crash.
    static func syncDirectory(_ path: String) throws(StorageError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw error("open", path) }
        defer { _ = close(fd) }
        guard fsync(fd) == 0 else { throw error("fsync", path) }
    }

    static func closeDescriptor(_ fd: Int32) {
        _ = close(fd)
    }

    static func remove(_ path: String) throws(StorageError) {
        guard unlink(path) == 0 else { throw error("unlink", path) }
    }

    /// Creates `path` and its missing parents with `mode`, giving new ones to `owner`.
    /// Returns the directories it created, outermost first.
    @discardableResult
    static func makeDirectories(_ path: String, mode: mode_t, owner: FileOwner?) throws(StorageError) -> [String] {
        var missing: [String] = []
        var current = path
        while !current.isEmpty, current != "/", !isDirectory(current) {
            missing.append(current)
            current = parent(of: current)
        }
        var created: [String] = []
        for directory in missing.reversed() {
            if mkdir(directory, mode) != 0 {
                if errno == EEXIST, isDirectory(directory) { continue }  // a concurrent receiver won
                throw error("mkdir", directory)
            }
            guard chmod(directory, mode) == 0 else { throw error("chmod", directory) }
            if let owner {
                guard chown(directory, owner.uid, owner.gid) == 0 else { throw error("chown", directory) }
            }
            created.append(directory)
        }
        return created
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func fileStatus(_ path: String) throws(StorageError) -> stat {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw error("stat", path) }
        return info
    }

    /// Links `source` at `destination` without replacing anything, then removes `source`:
    /// an atomic "move unless the destination exists".
    static func moveNoReplace(_ source: String, to destination: String) throws(StorageError) {
        guard link(source, destination) == 0 else { throw error("link", destination) }
        _ = unlink(source)
    }

    /// Adds a hard link `destination` to `source`.
    static func hardLink(_ source: String, to destination: String) throws(StorageError) {
        guard link(source, destination) == 0 else { throw error("link", destination) }
    }

    /// Renames atomically, replacing `destination` if it exists.
    static func moveReplacing(_ source: String, to destination: String) throws(StorageError) {
        guard rename(source, destination) == 0 else { throw error("rename", destination) }
    }

    static func changeOwner(_ fd: Int32, to owner: FileOwner, path: String) throws(StorageError) {
        guard fchown(fd, owner.uid, owner.gid) == 0 else { throw error("fchown", path) }
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }
}

/// The user and group files and directories are given to when running as root.
public struct FileOwner: Sendable, Hashable {
    public var uid: UInt32
    public var gid: UInt32

    public init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
    }

    /// Looks up a user by name; nil if there is none.
    public static func named(_ name: String) -> FileOwner? {
        guard let entry = getpwnam(name) else { return nil }
        return FileOwner(uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }
}
