import DICOMNetwork
import Gateway
import Logging
import Testing

/// `tls_verify_hostname` as a plain value: the configuration word, the TLS settings it
/// produces and the start-up warning.
@Suite("Destination TLS host name verification settings")
struct DestinationTLSSettingsTests {
    @Test("a new destination verifies the host name; the TLS settings carry the choice")
    func defaultsAndSettings() {
        var d = Destination(name: "pacs", aeTitle: "PACS", host: "pacs.example.org", port: 2762)
        #expect(d.tlsVerifyHostname)
        #expect(d.tlsSettings == nil, "no TLS, no settings")
        d.tlsEnabled = true
        d.tlsCAFile = "/etc/dicom-gw/tls/ca.crt"
        #expect(d.tlsSettings?.verifyHostname == true)
        #expect(d.tlsSettings?.trustRootsPath == "/etc/dicom-gw/tls/ca.crt")
        d.tlsVerifyHostname = false
        #expect(d.tlsSettings?.verifyHostname == false)
    }

    @Test("forward.destinations: tls_verify_hostname defaults to true, takes true or false, refuses anything else")
    func configurationWord() throws {
        var forward = ForwardConfiguration()
        forward.destinations = [
            "name=a ae_title=A host=a.example.org port=2762 tls=true",
            "name=b ae_title=B host=10.1.2.3 port=2762 tls=true tls_verify_hostname=false",
            "name=c ae_title=C host=c.example.org port=2762 tls=true tls_verify_hostname=true",
        ]
        let parsed = try forward.parsedDestinations()
        #expect(parsed.map(\.tlsVerifyHostname) == [true, false, true])
        #expect(parsed[1].tlsSettings?.verifyHostname == false)
        for bad in ["no", "False", "0", ""] {
            forward.destinations = ["name=a ae_title=A host=h port=104 tls=true tls_verify_hostname=\(bad)"]
            #expect(throws: ForwardError.self, "tls_verify_hostname=\(bad)") { try forward.parsedDestinations() }
        }
    }

    @Test("start-up warns once per TLS destination without host name verification, naming the remedy")
    func startupWarning() {
        let capture = LogCapture()
        var plain = Destination(name: "plain", aeTitle: "P", host: "h", port: 104)
        plain.tlsVerifyHostname = false  // no TLS: nothing to verify, nothing to warn about
        var strict = Destination(name: "strict", aeTitle: "S", host: "h", port: 2762)
        strict.tlsEnabled = true
        var lax = strict
        lax.name = "lax"
        lax.tlsVerifyHostname = false
        var laxFile = lax
        laxFile.name = "lax-file"
        laxFile.source = "config"
        let warned = Destination.warnUnverifiedTLS([plain, strict, lax, laxFile], logger: capture.logger)
        #expect(warned == ["lax", "lax-file"])
        let lines = capture.lines
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.allSatisfy { $0.hasPrefix("warning ") })
        #expect(lines.first?.contains("--tls-verify-hostname true") == true, "\(lines)")
        #expect(lines.last?.contains("tls_verify_hostname=true") == true, "\(lines)")
        #expect(capture.destinations == ["lax", "lax-file"])
    }
}
