import Foundation
@testable import Gateway
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresClient
import TestSupport
import Testing

/// Headless Chromium through chromedriver (Debian's `chromium` and `chromium-driver`,
/// installed by `make test` as root): logs in, opens every page, retries a dead-lettered job,
/// and saves a screenshot of each step under `.build/test-artifacts/console/`.
@Suite("Console in a browser", .requiresDatabase, .enabled(if: Chromium.available, Chromium.skipReason))
struct ConsoleBrowserTests {
    static let chromium = Chromium.browser
    static let chromedriver = Chromium.driver

    static var artifacts: URL {
        AdminTestDatabase.packageRoot.appendingPathComponent(".build/test-artifacts/console")
    }

    @Test("log in, open each page, retry a failed job; screenshots saved", .timeLimit(.minutes(2)))
    func browse() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gw-console-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        try? FileManager.default.removeItem(at: Self.artifacts)
        try FileManager.default.createDirectory(at: Self.artifacts, withIntermediateDirectories: true)

        // A certificate for the TLS page and the dashboard's expiry card.
        let material = try TLSUploadTests.make(in: scratch, name: "listener", days: 200)
        let paths = TLSMaterialStore.Paths(
            certificate: scratch.appendingPathComponent("server.pem").path, key: scratch.appendingPathComponent("server.key").path, ca: nil)
        try material.certificate.write(toFile: paths.certificate, atomically: true, encoding: .utf8)
        try material.key.write(toFile: paths.key, atomically: true, encoding: .utf8)
        let store = TLSMaterialStore(paths: paths) {}

        try await AdminTestDatabase.with { pool in
            let app = try await AdminTestApp.make(pool: pool)
            let fixture = try await ConsoleFixture.make(pool: pool)
            try await Self.addHistory(pool, destination: fixture.destination)
            let server = AdminServer(
                configuration: .init(), services: app.services,
                resourceGauges: ResourceGauges(storageRoot: scratch.path, certificatePaths: [paths.certificate]), tlsStore: store)
            try await server.makeApplication().test(.live) { client in
                let port = try #require(client.port)
                try await Self.drive(port: port, scratch: scratch, fixture: fixture, pool: pool)
            }
        }
    }

    static func drive(port: Int, scratch: URL, fixture: ConsoleFixture, pool: PostgresPool) async throws {
        let driverPort = try freePort()
        let driver = Process()
        driver.executableURL = URL(fileURLWithPath: chromedriver)
        driver.arguments = ["--port=\(driverPort)", "--allowed-ips=127.0.0.1"]
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        // chromedriver ignores SIGTERM here; the session is over by the time this runs.
        defer { kill(driver.processIdentifier, SIGKILL) }
        try await WebDriver.waitUntilReady(driverPort: driverPort, timeout: .seconds(20))
        try await TestClient.withClient(host: "127.0.0.1", port: driverPort, configuration: .init(timeout: .seconds(60))) { client in
            let browser = try await WebDriver.start(
                driver: client, binary: chromium, width: 1400, height: 1000, profile: scratch.appendingPathComponent("profile").path)
            do {
                try await run(browser, base: "http://127.0.0.1:\(port)", fixture: fixture, pool: pool)
            } catch {
                try? await save(browser, "zz-failure")
                await browser.quit()
                throw error
            }
            await browser.quit()
            // Give chromedriver a moment to reap the browser's processes before it is killed.
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    static func run(_ browser: WebDriver, base: String, fixture: ConsoleFixture, pool: PostgresPool) async throws {
        try await browser.navigate(base + "/")
        #expect(try await browser.currentURL().hasSuffix("/ui/login?next=%2Fui%2F"))
        try await save(browser, "01-login")
        try await browser.type("input[name=username]", "operator")
        try await browser.type("input[name=password]", AdminTestApp.password)
        try await browser.click("form[action='/ui/login'] button")
        #expect(try await browser.waitFor("Objects per hour"))
        #expect(try await browser.currentURL() == base + "/ui/")
        try await save(browser, "02-dashboard")

        let pages: [(String, String, String)] = [
            ("03-studies", "/ui/studies", "DOE, JANE"),
            ("04-study", "/ui/studies/\(fixture.studyUID)", "Delivery by destination"),
            ("05-jobs", "/ui/jobs", "Jobs"),
            ("06-destinations", "/ui/destinations", "pacs"),
            ("07-destination", "/ui/destinations/\(fixture.destination.id)", "Called AE title"),
            ("08-routes", "/ui/routes", "ct-to-pacs"),
            ("09-route", "/ui/routes/ct-to-pacs", "Conditions"),
            ("10-audit", "/ui/audit", "sealed"),
            ("11-tls", "/ui/tls", "Installed certificate"),
        ]
        for (name, path, text) in pages {
            try await browser.navigate(base + path)
            let source = try await browser.source()
            #expect(source.contains(text), "\(path) shows \(text)")
            #expect(!source.contains("Cannot do that"), "\(path) is not an error page")
            try await save(browser, name)
        }
        try await browser.navigate(base + "/ui/users")
        #expect(try await browser.source().contains("Your role does not allow this"))

        // Retry the dead-lettered job: the button, the confirmation stating the count, the notice.
        try await browser.navigate(base + "/ui/jobs?state=failed")
        try await save(browser, "12-jobs-failed")
        try await browser.click("button[name=retry_one][value='\(fixture.deadJobID)']")
        #expect(try await browser.waitFor("Retry 1 job?"))
        try await save(browser, "13-retry-confirm")
        try await browser.click("form[action='/ui/jobs/confirm'] button")
        #expect(try await browser.waitFor("Retried 1 job."))
        try await save(browser, "14-retried")
        let live = try await pool.query("SELECT state FROM dicom_gw.jobs WHERE id = $1", [fixture.deadJobID])
        #expect(live.count == 1)

        try await browser.click("header form.logout button")
        #expect(try await browser.waitFor("You have logged out."))
    }

    static func save(_ browser: WebDriver, _ name: String) async throws {
        try await browser.screenshot().write(to: artifacts.appendingPathComponent("\(name).png"))
    }

    /// A day of history so the chart and tables have something to show.
    static func addHistory(_ pool: PostgresPool, destination: Destination) async throws {
        _ = try await pool.execute(
            """
            WITH st AS (INSERT INTO dicom_gw.studies (study_instance_uid, patient_id, patient_name, accession_number, study_date, study_description)
                        SELECT '1.2.826.0.1.3680043.8.498.2.' || n, 'PID-' || (100 + n), 'PATIENT^NUMBER' || n, 'ACC' || (500 + n),
                               current_date - n, (ARRAY['MR BRAIN', 'CT ABDOMEN', 'XR CHEST'])[1 + n % 3]
                          FROM generate_series(1, 6) AS n RETURNING id, study_instance_uid),
                 se AS (INSERT INTO dicom_gw.series (study_id, series_instance_uid, modality, series_number)
                        SELECT id, study_instance_uid || '.1', (ARRAY['MR', 'CT', 'CR'])[1 + (id % 3)::int], 1 FROM st RETURNING id, study_id, series_instance_uid),
                 ins AS (INSERT INTO dicom_gw.instances (series_id, study_id, sop_instance_uid, sop_class_uid, transfer_syntax_uid, instance_number,
                                                         file_path, size_bytes, sha256, received_at)
                         SELECT se.id, se.study_id, se.series_instance_uid || '.' || k, '1.2.840.10008.5.1.4.1.1.4', '1.2.840.10008.1.2.1', k,
                                'storage/studies/h/' || se.id || '/' || k || '.dcm', 262144, decode(repeat('00', 32), 'hex'),
                                now() - make_interval(mins => (k * 37 + se.id::int * 11) % 1380)
                           FROM se, generate_series(1, 40) AS k RETURNING id, received_at)
            INSERT INTO dicom_gw.deliveries (instance_id, destination_id, state, attempts, delivered_at, last_attempt_at, settled)
            SELECT ins.id, $1, 'delivered', 1, ins.received_at + interval '40 seconds', ins.received_at + interval '40 seconds', true
              FROM ins WHERE ins.id % 5 <> 0
            """, [destination.id])
        var route = Route(name: "ct-to-pacs", destinations: [destination.name])
        route.conditions = [try RouteCondition(parsing: "modality=CT"), try RouteCondition(parsing: "calling_ae~MOD.*")]
        try await RouteStore(pool: pool).save(route, actor: .system("test"))
        try await DestinationStore(pool: pool).save(
            Destination(name: "offsite-archive", aeTitle: "ARCHIVE", host: "archive.example.org", port: 11112), actor: .system("test"))
    }

    static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw WebDriver.Failure(description: "socket() failed") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw WebDriver.Failure(description: "bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Where Debian puts Chromium and its WebDriver, and whether both are there.
enum Chromium {
    static let browser = "/usr/bin/chromium"
    static let driver = "/usr/bin/chromedriver"
    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: browser) && FileManager.default.isExecutableFile(atPath: driver)
    }
    static let skipReason: Comment =
        "Chromium or chromedriver missing (/usr/bin/chromium, /usr/bin/chromedriver): install Debian's chromium and chromium-driver (make test does, as root)"
}
