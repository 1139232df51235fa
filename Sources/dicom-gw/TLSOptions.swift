import ArgumentParser
import DICOMNetwork

/// The TLS options shared by every command that opens a DICOM connection.
struct TLSOptions: ParsableArguments {
    @Flag(name: .customLong("tls"), help: "Use TLS, trusting the system's certificate authorities.")
    var tls = false

    @Option(name: .customLong("tls-ca"), help: "PEM file of the CA(s) to trust for the peer's certificate (implies --tls).")
    var tlsCA: String?

    @Option(name: .customLong("tls-certificate"), help: "PEM certificate chain to present (mutual TLS; with --tls-key).")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key for --tls-certificate.")
    var tlsKey: String?

    @Flag(
        name: .customLong("tls-no-verify-hostname"),
        help: "Accept a peer certificate that does not name the host connected to (the chain is still verified).")
    var noVerifyHostname = false

    func validate() throws {
        if (self.tlsCertificate == nil) != (self.tlsKey == nil) {
            throw ValidationError("--tls-certificate and --tls-key go together")
        }
    }

    /// The client TLS settings, or nil for plain TCP.
    var clientSettings: TLSSettings? {
        guard self.tls || self.tlsCA != nil || self.tlsCertificate != nil else { return nil }
        // The peer's certificate must name the host given on the command line (a DNS name,
        // or an IP SAN for an address), as for destinations that verify host names.
        return TLSSettings(
            certificateChainPath: self.tlsCertificate, privateKeyPath: self.tlsKey, trustRootsPath: self.tlsCA,
            verifyHostname: !self.noVerifyHostname)
    }
}
