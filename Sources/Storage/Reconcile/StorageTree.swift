import DICOM
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Walks the instance areas of the tree (`storage/studies/`, `forwarded/`, `failed/`) a
/// part at a time, so a caller can bound the work per step. Blocking: run through
/// ``BlockingIO``.
public enum StorageTree {
    /// Where unreadable or unplaceable files are set aside, under `failed/`.
    public static let quarantine = "failed/quarantine"

    /// The names directly inside `area` (study level).
    public static func studyNames(in area: StorageArea, layout: StorageLayout) throws(StorageError) -> [String] {
        let names = try POSIX.directoryEntries(layout.absolute(area.directory))
        // The quarantine lives inside failed/ but holds no instances of the tree.
        return area == .failed ? names.filter { $0 != "quarantine" } : names
    }

    /// Lists the given study entries of `area`: their series directories and instance files.
    public static func scan(
        _ studies: some Sequence<String>,
        in area: StorageArea,
        layout: StorageLayout,
        into listing: inout TreeListing
    ) throws(StorageError) {
        for study in studies {
            let studyPath = "\(area.directory)/\(study)"
            guard let studyEntry = try entry(studyPath, layout: layout) else { continue }
            guard studyEntry.isDirectory, UID.isValid(study) else {
                listing.unexpected.append(studyEntry)
                continue
            }
            listing.directories.append(studyEntry)
            for series in try POSIX.directoryEntries(layout.absolute(studyPath)) {
                let seriesPath = "\(studyPath)/\(series)"
                guard let seriesEntry = try entry(seriesPath, layout: layout) else { continue }
                guard seriesEntry.isDirectory, UID.isValid(series) else {
                    listing.unexpected.append(seriesEntry)
                    continue
                }
                listing.directories.append(seriesEntry)
                for name in try POSIX.directoryEntries(layout.absolute(seriesPath)) {
                    guard let file = try entry("\(seriesPath)/\(name)", layout: layout) else { continue }
                    if file.isRegularFile, name.hasSuffix(".dcm"), UID.isValid(String(name.dropLast(4))) {
                        listing.instanceFiles.append(file)
                    } else {
                        listing.unexpected.append(file)
                    }
                }
            }
        }
    }

    /// Every file under `directory` (relative), recursively; for `incoming/` and the quarantine.
    public static func files(under directory: String, layout: StorageLayout) throws(StorageError) -> [TreeEntry] {
        var result: [TreeEntry] = []
        var pending = [directory]
        while let current = pending.popLast() {
            guard POSIX.isDirectory(layout.absolute(current)) else { continue }
            for name in try POSIX.directoryEntries(layout.absolute(current)) {
                guard let found = try entry("\(current)/\(name)", layout: layout) else { continue }
                if found.isDirectory { pending.append(found.relativePath) } else { result.append(found) }
            }
        }
        return result
    }

    /// The entry at `relativePath`, nil if it vanished meanwhile.
    public static func entry(_ relativePath: String, layout: StorageLayout) throws(StorageError) -> TreeEntry? {
        var info = stat()
        guard lstat(layout.absolute(relativePath), &info) == 0 else {
            if errno == ENOENT { return nil }
            throw POSIX.error("stat", layout.absolute(relativePath))
        }
        let type = info.st_mode & S_IFMT
        return TreeEntry(
            relativePath: relativePath,
            isDirectory: type == S_IFDIR,
            isRegularFile: type == S_IFREG,
            mode: UInt32(info.st_mode & 0o7777),
            size: Int64(info.st_size),
            modifiedAt: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        )
    }

    /// Moves a file of the tree to the quarantine, keeping its relative path below
    /// `failed/quarantine/` (a numeric suffix when that name is taken).
    ///
    /// - Returns: the quarantine path, relative to the root.
    @discardableResult
    public static func quarantine(_ relativePath: String, layout: StorageLayout) throws(StorageError) -> String {
        let base = "\(quarantine)/\(relativePath)"
        var target = base
        var suffix = 1
        while POSIX.exists(layout.absolute(target)) {
            target = "\(base).\(suffix)"
            suffix += 1
        }
        let directory = POSIX.parent(of: layout.absolute(target))
        try POSIX.makeDirectories(directory, mode: StorageLayout.directoryMode, owner: layout.owner)
        try POSIX.moveNoReplace(layout.absolute(relativePath), to: layout.absolute(target))
        try POSIX.syncDirectory(directory)
        return target
    }

    /// Sets the layout's mode on a file or directory.
    public static func fixMode(_ entry: TreeEntry, layout: StorageLayout) throws(StorageError) {
        try POSIX.changeMode(layout.absolute(entry.relativePath), entry.isDirectory ? StorageLayout.directoryMode : StorageLayout.fileMode)
    }

    /// Removes a file (a stray in `incoming/`).
    public static func remove(_ relativePath: String, layout: StorageLayout) throws(StorageError) {
        try POSIX.remove(layout.absolute(relativePath))
    }

    /// The area an instance path lies in, nil when none.
    public static func area(of relativePath: String) -> StorageArea? {
        [StorageArea.studies, .forwarded, .failed].first { relativePath.hasPrefix($0.directory + "/") }
    }
}
