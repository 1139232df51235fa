public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `/usr/bin/storescp` as a destination on a free loopback port, writing what it receives
/// bit-preserved (`+B`) into its own directory.
public final class StoreSCPPeer: @unchecked Sendable {
    // @unchecked: the child handle is only replaced from the owning test's task.
    /// Its port.
    public let port: Int
    /// Where received files go.
    public let directory: URL
    /// Its log (all runs appended).
    public let log: URL
    private var child: ChildProcess?

    /// A peer not yet started; `port` nil picks a free one.
    public init(directory: URL, port: Int? = nil) throws {
        self.port = try port ?? LoopbackPort.free()
        self.directory = directory
        self.log = directory.deletingLastPathComponent().appendingPathComponent("\(directory.lastPathComponent).storescp.log")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Starts storescp and waits until it listens.
    /// - Parameters:
    ///   - extra: further options (`--refuse`, `--fork`, `+uf`, `-xf FILE PROFILE`…).
    ///     Without `-xf` it accepts every storage SOP class and transfer syntax (`+xa`),
    ///     which storescp does not allow together with a configuration file.
    /// - Throws: ``TestDatabaseError`` with its log when it exits or never listens.
    public func start(extra: [String] = [], aeTitle: String = "STORESCP") async throws {
        let acceptAll = extra.contains("-xf") || extra.contains("--config-file") ? [] : ["+xa"]
        let child = try ChildProcess(
            "/usr/bin/storescp", ["-aet", aeTitle, "+B"] + acceptAll + ["-od", directory.path] + extra + ["\(port)"], log: log)
        try child.start()
        self.child = child
        for _ in 0..<200 {
            if LoopbackPort.accepts(port) { return }
            guard child.isRunning else { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestDatabaseError("storescp did not listen on \(port): \(child.output.suffix(2000))")
    }

    /// Kills it (storescp ignores SIGTERM mid-association) and waits for the exit.
    public func stop() async {
        await child?.kill9()
        child = nil
    }

    deinit { child?.signal(SIGKILL) }

    /// The files received so far (temporary files excluded).
    public var files: [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [])
            .filter { !$0.lastPathComponent.hasPrefix(".") }
    }

    /// Associations open on it right now (established connections to its port).
    public var openAssociations: Int { LoopbackPort.establishedConnections(to: port) }
}
