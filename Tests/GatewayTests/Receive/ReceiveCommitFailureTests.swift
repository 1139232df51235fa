import DICOM
import DICOMNetwork
import Foundation
import Gateway
import PostgresClient
import Storage
import Testing
import TestSupport

/// A receive whose rows were written and whose file was placed, and whose COMMIT then failed:
/// refused or lost with its connection. The tree must end as it was before.
@Suite("Receive: failed commits, and receivers of one instance at once", .requiresDatabase)
struct ReceiveCommitFailureTests {
    /// Instance numbers the test trigger reacts to when the transaction commits.
    static let refusedAtCommit = 666
    static let killedAtCommit = 667

    /// A deferred trigger: it runs inside COMMIT, after the receiver's statements and the
    /// placement of its file, and either refuses the commit or kills its own session.
    static func installCommitTrap(_ pool: PostgresPool) async throws {
        try await pool.withConnection { connection in
            try await connection.executeScript(
                """
                CREATE FUNCTION public.commit_trap() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.instance_number = \(refusedAtCommit) THEN
                        RAISE EXCEPTION 'commit refused by the test';
                    ELSIF NEW.instance_number = \(killedAtCommit) THEN
                        PERFORM pg_terminate_backend(pg_backend_pid());
                        PERFORM pg_sleep(5);
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE CONSTRAINT TRIGGER commit_trap AFTER INSERT OR UPDATE ON dicom_gw.instances
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.commit_trap();
                """)
        }
    }

    static func dataSet(_ v: (study: String, series: String, sop: String), number: Int) -> DataSet {
        InstanceFactory.dataSet(study: v.study, series: v.series, sop: v.sop, number: number, pixelBytes: 512)
    }

    @Test("a new instance whose COMMIT is refused or loses its connection leaves no file and no row; a resend stores it", arguments: [refusedAtCommit, killedAtCommit])
    func newInstance(trap: Int) async throws {
        let generator = try UIDGenerator()
        let uids = (study: generator.make(), series: generator.make(), sop: generator.make())
        try await GatewayHarness.with { gateway in
            try await Self.installCommitTrap(gateway.pool)
            let failed = try await TestSCU.store(port: gateway.port, [(uids.sop, Self.dataSet(uids, number: trap))])
            #expect(failed.first?.status.rawValue ?? 0 >= 0xA700 && failed.first?.status.rawValue ?? 0 <= 0xA7FF, "status \(String(describing: failed.first?.status))")
            var state = try await TreeState.read(gateway.layout, pool: gateway.pool)
            #expect(state.files.isEmpty)
            #expect(state.rows.isEmpty)
            #expect(state.incoming.isEmpty)

            let stored = try await TestSCU.store(port: gateway.port, [(uids.sop, Self.dataSet(uids, number: 1))])
            #expect(stored.first?.status == .success)
            state = try await TreeState.read(gateway.layout, pool: gateway.pool)
            #expect(state.files.count == 1)
            #expect(state.agrees)
            #expect(state.incoming.isEmpty)
        }
    }

    @Test("a replacement whose COMMIT is refused or loses its connection puts the acknowledged version back", arguments: [refusedAtCommit, killedAtCommit])
    func replacement(trap: Int) async throws {
        let generator = try UIDGenerator()
        let uids = (study: generator.make(), series: generator.make(), sop: generator.make())
        try await GatewayHarness.with(policy: .replace) { gateway in
            try await Self.installCommitTrap(gateway.pool)
            let first = Self.dataSet(uids, number: 1)
            #expect(try await TestSCU.store(port: gateway.port, [(uids.sop, first)]).first?.status == .success)
            let before = try await TreeState.read(gateway.layout, pool: gateway.pool)
            let row = try #require(before.rows[uids.sop])

            let failed = try await TestSCU.store(port: gateway.port, [(uids.sop, Self.dataSet(uids, number: trap))])
            #expect(failed.first?.status != .success)
            let after = try await TreeState.read(gateway.layout, pool: gateway.pool)
            #expect(after.rows == before.rows)
            #expect(after.agrees)
            #expect(after.incoming.isEmpty)
            let stored = try InstanceFactory.dataSetBytes(gateway.layout.absolute(row.path))
            #expect(stored == Data(try DataSetWriter.encode(first, transferSyntax: .explicitVRLittleEndian)))
            #expect(try InstanceFileInspector.inspect(gateway.layout.absolute(row.path), full: true).sha256 == row.sha256)
        }
    }

    @Test("receivers of one new instance at once take turns: every send answered 0000, one file, one row", arguments: [DuplicatePolicy.keepFirst, .replace])
    func sameInstanceAtOnce(policy: DuplicatePolicy) async throws {
        let generator = try UIDGenerator()
        let uids = (study: generator.make(), series: generator.make(), sop: generator.make())
        try await GatewayHarness.with(policy: policy) { gateway in
            let statuses = try await withThrowingTaskGroup(of: [StoreOutcome].self) { group in
                for n in 1...6 {
                    // Under `replace` each sender's version differs (instance number).
                    let dataSet = Self.dataSet(uids, number: policy == .replace ? n : 1)
                    group.addTask { try await TestSCU.store(port: gateway.port, [(uids.sop, dataSet)]) }
                }
                var all: [StoreOutcome] = []
                for try await outcomes in group { all += outcomes }
                return all
            }
            #expect(statuses.count == 6)
            #expect(statuses.allSatisfy { $0.status == .success }, "\(statuses.map(\.status))")
            let state = try await TreeState.read(gateway.layout, pool: gateway.pool)
            #expect(state.files.count == 1)
            #expect(state.rows.count == 1)
            #expect(state.agrees)
            #expect(state.incoming.isEmpty)
            let row = try #require(state.rows[uids.sop])
            #expect(try InstanceFileInspector.inspect(gateway.layout.absolute(row.path), full: true).sha256 == row.sha256)
        }
    }

    @Test("a COMMIT that went through but lost its connection before the answer is found out: 0000, file and rows kept")
    func commitConfirmedAfterItsConnectionBroke() async throws {
        let generator = try UIDGenerator()
        let uids = (study: generator.make(), series: generator.make(), sop: generator.make())
        try await TestDatabase.withFresh(migrations: TestDatabase.repositoryMigrations) { database in
            // The gateway reaches PostgreSQL over TCP through the proxy.
            let components = try #require(URLComponents(string: database.url))
            let serverPort = try #require(components.port ?? components.queryItems?.first { $0.name == "port" }?.value.flatMap(Int.init))
            let user = components.user ?? "postgres"
            let proxy = try CommitCutProxy(targetPort: serverPort)
            defer { proxy.close() }
            let url = "postgresql://\(user)@127.0.0.1:\(proxy.port)/\(database.name)?sslmode=disable"
            try await GatewayHarness.with(databaseURL: url) { gateway in
                proxy.arm()
                let outcomes = try await TestSCU.store(port: gateway.port, [(uids.sop, Self.dataSet(uids, number: 1))])
                #expect(proxy.cuts == 1)
                #expect(outcomes.first?.status == .success)
                let state = try await TreeState.read(gateway.layout, pool: gateway.pool)
                #expect(state.files.count == 1)
                #expect(state.rows.count == 1)
                #expect(state.agrees)
                #expect(state.incoming.isEmpty)
            }
        }
    }
}
