import Foundation
import NIOCore
import Storage
import Testing

@Suite("Storage layout and incoming files")
struct StorageLayoutTests {
    private func temporaryRoot() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("dicom-gw-storage-\(UUID().uuidString)").path
    }

    /// Runs `body` with a prepared layout under a fresh temporary root, removed afterwards.
    private func withLayout(_ body: (StorageLayout, BlockingIO) async throws -> Void) async throws {
        let root = temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let layout = StorageLayout(root: root)
        try layout.prepare()
        try await body(layout, BlockingIO())
    }

    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int) ?? -1
    }

    @Test("prepare creates every directory with mode 0750")
    func prepare() throws {
        let root = temporaryRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let layout = StorageLayout(root: root)
        try layout.prepare()
        try layout.prepare()  // idempotent
        for directory in [""] + StorageLayout.directories {
            let path = directory.isEmpty ? root : layout.absolute(directory)
            #expect(try mode(path) == 0o750, "\(path)")
        }
    }

    @Test(
        "UIDs that could escape the root never become paths",
        arguments: ["../../etc/passwd", "1.2/../x", "1.2.3/4", String(repeating: "1", count: 65), "1.2.a", "", "1..2", "1.02", ".1.2", "1.2.", "1.2\0", "1.2 "]
    )
    func hostileUIDs(uid: String) {
        #expect(throws: StorageError.self) {
            try StorageLayout.relativePath(of: InstanceUIDs(study: uid, series: "1.2", sop: "1.2.3"))
        }
        #expect(throws: StorageError.self) {
            try StorageLayout.relativePath(of: InstanceUIDs(study: "1.2", series: uid, sop: "1.2.3"))
        }
        #expect(throws: StorageError.self) {
            try StorageLayout.relativePath(of: InstanceUIDs(study: "1.2", series: "1.2.3", sop: uid))
        }
    }

    @Test("valid UIDs give storage/studies/{study}/{series}/{sop}.dcm")
    func relativePath() throws {
        let uids = InstanceUIDs(study: "1.2.840.1", series: "1.2.840.1.2", sop: "1.2.840.1.2.3")
        #expect(try StorageLayout.relativePath(of: uids) == "storage/studies/1.2.840.1/1.2.840.1.2/1.2.840.1.2.3.dcm")
        #expect(try StorageLayout.relativePath(of: uids, in: .forwarded) == "forwarded/1.2.840.1/1.2.840.1.2/1.2.840.1.2.3.dcm")
    }

    @Test("an incoming file is written, fsynced and placed with mode 0640, leaving nothing in incoming/")
    func placeFile() async throws {
        try await withLayout { layout, io in
            let file = try await IncomingFile.create(in: layout, io: io)
            try await file.startWrite(ByteBuffer(bytes: Array("hello ".utf8))).value
            try await file.startWrite(ByteBuffer(bytes: Array("world".utf8))).value
            _ = try await file.startFinish().value
            let destination = "storage/studies/1.2/1.2.3/1.2.3.4.dcm"
            try await file.place(at: destination, replacing: false)
            #expect(try String(contentsOfFile: layout.absolute(destination), encoding: .utf8) == "hello world")
            #expect(try mode(layout.absolute(destination)) == 0o640)
            #expect(try mode(layout.absolute("storage/studies/1.2")) == 0o750)
            #expect(try FileManager.default.contentsOfDirectory(atPath: layout.absolute("incoming")).isEmpty)

            // Placing without replacing over an existing file fails and keeps the original.
            let second = try await IncomingFile.create(in: layout, io: io)
            try await second.startWrite(ByteBuffer(bytes: Array("other".utf8))).value
            _ = try await second.startFinish().value
            await #expect(throws: StorageError.self) { try await second.place(at: destination, replacing: false) }
            #expect(try String(contentsOfFile: layout.absolute(destination), encoding: .utf8) == "hello world")
            await second.discard()
            #expect(try FileManager.default.contentsOfDirectory(atPath: layout.absolute("incoming")).isEmpty)
        }
    }

    @Test("finishing with a destination places the durable file when its path is free, and leaves it in incoming/ otherwise")
    func placeWithFsync() async throws {
        try await withLayout { layout, io in
            let destination = "storage/studies/1.2/1.2.3/1.2.3.4.dcm"

            // Written in chunks, finished with the tail: placed in the same trip as the fsync.
            let chunked = try await IncomingFile.startCreate(in: layout, io: io, writing: ByteBuffer(bytes: Array("first ".utf8))).value
            #expect(!chunked.isPlaced)
            #expect(try await chunked.startFinish(writing: ByteBuffer(bytes: Array("version".utf8)), placingAt: destination).value)
            #expect(chunked.isPlaced)
            #expect(try String(contentsOfFile: layout.absolute(destination), encoding: .utf8) == "first version")
            #expect(try mode(layout.absolute(destination)) == 0o640)
            #expect(try FileManager.default.contentsOfDirectory(atPath: layout.absolute("incoming")).isEmpty)

            // The path is taken: the new file is durable but stays in incoming/, the old one is
            // untouched, and the caller can still place (replacing) or discard it.
            let whole = try await IncomingFile.startCreate(
                in: layout, io: io, writing: ByteBuffer(bytes: Array("second".utf8)), durable: true, placingAt: destination).value
            #expect(!whole.isPlaced)
            #expect(try String(contentsOfFile: layout.absolute(destination), encoding: .utf8) == "first version")
            #expect(try FileManager.default.contentsOfDirectory(atPath: layout.absolute("incoming")).count == 1)
            try await whole.place(at: destination, replacing: true)
            #expect(whole.isPlaced)
            #expect(try String(contentsOfFile: layout.absolute(destination), encoding: .utf8) == "second")

            // Created whole at a free path: placed in its one trip, directories made on the way.
            let other = "storage/studies/1.2/1.2.9/1.2.9.1.dcm"
            let small = try await IncomingFile.startCreate(
                in: layout, io: io, writing: ByteBuffer(bytes: Array("small".utf8)), durable: true, placingAt: other).value
            #expect(small.isPlaced)
            #expect(try String(contentsOfFile: layout.absolute(other), encoding: .utf8) == "small")
            #expect(try mode(layout.absolute("storage/studies/1.2/1.2.9")) == 0o750)
            await small.discard()  // a placed file is the tree's now: discard leaves it
            #expect(FileManager.default.fileExists(atPath: layout.absolute(other)))
            #expect(try FileManager.default.contentsOfDirectory(atPath: layout.absolute("incoming")).isEmpty)
        }
    }

    @Test("a file placed with its fsync is taken out again only while its path still names it")
    func unplace() async throws {
        try await withLayout { layout, io in
            let destination = "storage/studies/1.2/1.2.3/1.2.3.4.dcm"

            let ours = try await IncomingFile.startCreate(
                in: layout, io: io, writing: ByteBuffer(bytes: Array("ours".utf8)), durable: true, placingAt: destination).value
            #expect(ours.isPlaced)
            #expect(try await ours.unplace(from: destination))
            #expect(!FileManager.default.fileExists(atPath: layout.absolute(destination)))
            #expect(!ours.isPlaced)
            #expect(try await !ours.unplace(from: destination), "once")

            // Placed, then replaced by another receiver's file: that one stays.
            let first = try await IncomingFile.startCreate(
                in: layout, io: io, writing: ByteBuffer(bytes: Array("first".utf8)), durable: true, placingAt: destination).value
            let second = try await IncomingFile.startCreate(in: layout, io: io, writing: ByteBuffer(bytes: Array("second".utf8)), durable: true).value
            try await second.place(at: destination, replacing: true)
            #expect(try await !first.unplace(from: destination))
            #expect(try String(contentsOfFile: layout.absolute(destination), encoding: .utf8) == "second")
            // A file placed by `place(at:replacing:)` is taken back the same way.
            #expect(try await second.unplace(from: destination))
            #expect(!FileManager.default.fileExists(atPath: layout.absolute(destination)))
        }
    }

    @Test("a replacement is undone by putting the kept-aside version back, only while the path names the replacement")
    func restoreKeptAside() async throws {
        try await withLayout { layout, io in
            let destination = "storage/studies/1.2/1.2.3/1.2.3.5.dcm"
            func file(_ text: String) async throws -> IncomingFile {
                try await IncomingFile.startCreate(in: layout, io: io, writing: ByteBuffer(bytes: Array(text.utf8)), durable: true).value
            }
            func content() throws -> String { try String(contentsOfFile: layout.absolute(destination), encoding: .utf8) }
            func incoming() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: layout.absolute("incoming")) }

            try await file("old").place(at: destination, replacing: false)
            var aside = try #require(try StorageFiles.keepAside(destination, in: layout))
            let new = try await file("new")
            try await new.place(at: destination, replacing: true)
            #expect(try content() == "new")
            #expect(try await new.restore(aside, at: destination))
            #expect(try content() == "old")
            #expect(try incoming().isEmpty)
            #expect(try await !new.restore(aside, at: destination), "once")

            // Replaced again since by another receiver: its file stays, the kept-aside link goes.
            aside = try #require(try StorageFiles.keepAside(destination, in: layout))
            let ours = try await file("ours")
            try await ours.place(at: destination, replacing: true)
            try await file("theirs").place(at: destination, replacing: true)
            #expect(try await !ours.restore(aside, at: destination))
            #expect(try content() == "theirs")
            #expect(try incoming().isEmpty)
        }
    }

    @Test("start-up recovery removes the partial files no live receiver holds, and nothing else")
    func recovery() async throws {
        try await withLayout { layout, io in
            // A receive in flight (here, or in another gateway sharing the storage) holds its file.
            let live = try await IncomingFile.create(in: layout, io: io)
            try await live.startWrite(ByteBuffer(bytes: [1, 2, 3])).value
            // A crashed receiver's file: nobody holds it.
            _ = FileManager.default.createFile(atPath: layout.absolute("incoming/crashed.part"), contents: Data([4, 5]))
            _ = FileManager.default.createFile(atPath: layout.absolute("incoming/keep.txt"), contents: Data())
            let removed = try await StartupRecovery.removePartialFiles(in: layout, io: io)
            #expect(removed == 1)
            let left = try FileManager.default.contentsOfDirectory(atPath: layout.absolute("incoming")).sorted()
            #expect(left.count == 2)
            #expect(left.contains("keep.txt"))
            #expect(!left.contains("crashed.part"))
            await live.discard()
        }
    }
}
