public import Logging

extension Destination {
    /// True for a TLS destination whose certificate is checked for its chain only: any
    /// certificate a trusted CA signed for any host is accepted.
    public var tlsHostnameUnverified: Bool { tlsEnabled && !tlsVerifyHostname }

    /// Logs one warning per destination in `destinations` that uses TLS without host name
    /// verification (``tlsHostnameUnverified``), so the weaker setting is visible in every
    /// start-up's log until an operator turns the check on.
    /// - Returns: the names warned about, in the given order.
    @discardableResult
    public static func warnUnverifiedTLS(_ destinations: [Destination], logger: Logger) -> [String] {
        let unverified = destinations.filter(\.tlsHostnameUnverified)
        for destination in unverified {
            let remedy = destination.source == "config"
                ? "add tls_verify_hostname=true to its forward.destinations entry"
                : "dicom-gw destination update \(destination.name) --tls-verify-hostname true"
            logger.warning(
                "TLS destination does not verify the host name in the peer's certificate: any certificate its CA signed is accepted (\(remedy))",
                metadata: [ForwardLogKey.destination: "\(destination.name)", "forward.host": "\(destination.host)"])
        }
        return unverified.map(\.name)
    }
}
