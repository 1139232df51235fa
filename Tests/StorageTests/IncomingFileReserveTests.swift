import Foundation
import NIOCore
@testable import Storage
import Testing

@Suite("Spare files in incoming/")
struct IncomingFileReserveTests {
    private func preparedLayout() throws -> StorageLayout {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dicom-gw-reserve-\(UUID().uuidString)").path
        let layout = StorageLayout(root: root)
        try layout.prepare()
        return layout
    }

    private func incomingFiles(_ layout: StorageLayout) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: layout.absolute(StorageLayout.incoming)).sorted()
    }

    /// Polls until `condition` holds (the refill runs in the background), for at most 5 s.
    private func eventually(_ condition: () throws -> Bool) async throws -> Bool {
        for _ in 0..<500 {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try condition()
    }

    @Test("the first take finds none and fills the reserve; later files are the spares, written and placed like any other")
    func spareIsUsed() async throws {
        let layout = try preparedLayout()
        defer { try? FileManager.default.removeItem(atPath: layout.root) }
        let reserve = IncomingFileReserve(layout: layout, io: BlockingIO(), capacity: 2)

        #expect(reserve.take() == nil)
        #expect(try await eventually { reserve.ready == 2 })
        let spares = try incomingFiles(layout)
        #expect(spares.count == 2)

        let file = try await IncomingFile.create(
            in: layout, io: BlockingIO(), writing: ByteBuffer(string: "hello"), durable: true, reserve: reserve)
        #expect(spares.contains(String(file.relativePath.dropFirst(StorageLayout.incoming.count + 1))))
        try await file.place(at: "storage/studies/1/2/3.dcm", replacing: false)
        let placed = try String(contentsOfFile: layout.absolute("storage/studies/1/2/3.dcm"), encoding: .utf8)
        #expect(placed == "hello")
        let mode = try FileManager.default.attributesOfItem(atPath: layout.absolute("storage/studies/1/2/3.dcm"))[.posixPermissions] as? Int
        #expect(mode == 0o640)

        // The taken spare was replaced.
        #expect(try await eventually {
            let files = try incomingFiles(layout)
            return reserve.ready == 2 && files.count == 2
        })
        await reserve.release()
        #expect(try incomingFiles(layout).isEmpty)
        #expect(reserve.take() == nil)
    }

    @Test("a spare older than the maximum age is removed, not used")
    func staleSpareIsReplaced() async throws {
        let layout = try preparedLayout()
        defer { try? FileManager.default.removeItem(atPath: layout.root) }
        let reserve = IncomingFileReserve(layout: layout, io: BlockingIO(), capacity: 1, maximumAge: .milliseconds(50))
        #expect(reserve.take() == nil)
        #expect(try await eventually { reserve.ready == 1 })
        let stale = try incomingFiles(layout)
        try await Task.sleep(for: .milliseconds(100))
        #expect(reserve.take() == nil)
        #expect(try await eventually {
            let now = try incomingFiles(layout)
            return reserve.ready == 1 && now.count == 1 && now != stale
        })
        await reserve.release()
        #expect(try incomingFiles(layout).isEmpty)
    }

    @Test("start-up recovery leaves a held spare alone, like any receive in flight")
    func recoverySparesHeldFiles() async throws {
        let layout = try preparedLayout()
        defer { try? FileManager.default.removeItem(atPath: layout.root) }
        let reserve = IncomingFileReserve(layout: layout, io: BlockingIO(), capacity: 1)
        _ = reserve.take()
        #expect(try await eventually { reserve.ready == 1 })
        let removed = try await StartupRecovery.removePartialFiles(in: layout, io: BlockingIO())
        #expect(removed == 0)
        #expect(try incomingFiles(layout).count == 1)
        await reserve.release()
    }

    @Test("capacity 0 keeps no spares")
    func disabled() async throws {
        let layout = try preparedLayout()
        defer { try? FileManager.default.removeItem(atPath: layout.root) }
        let reserve = IncomingFileReserve(layout: layout, io: BlockingIO(), capacity: 0)
        #expect(reserve.take() == nil)
        try await Task.sleep(for: .milliseconds(50))
        #expect(reserve.ready == 0)
        #expect(try incomingFiles(layout).isEmpty)
    }
}
