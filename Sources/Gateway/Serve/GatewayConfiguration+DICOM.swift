import DICOM
public import DICOMNetwork
import NIOCore

extension GatewayConfiguration {
    /// The DICOM listeners' configuration: plain port, TLS port when certificates are given,
    /// AE policy, every Storage SOP class plus Verification, limits and timeouts.
    public var dicomServerConfiguration: DICOMServer.Configuration {
        let allowed: [AcceptancePolicy.AllowedCaller]? = dicom.allowedCallingAETitles.isEmpty
            ? nil
            : dicom.allowedCallingAETitles.map { entry in
                // "AE@address[,address…]" binds a calling AE title to peer addresses.
                let parts = entry.split(separator: "@", maxSplits: 1)
                let addresses = parts.count == 2 ? Set(parts[1].split(separator: ",").map(String.init)) : []
                return AcceptancePolicy.AllowedCaller(aeTitle: String(parts.first ?? ""), addresses: addresses)
            }
        let policy = AcceptancePolicy(
            aeTitle: dicom.aeTitle,
            allowedCallers: allowed,
            abstractSyntaxes: Set(SOPClass.allStorage.map(\.uid)),
            maxPDULength: UInt32(dicom.maxPDULength)
        )
        let tlsSettings = tls.isEnabled
            ? TLSSettings(
                certificateChainPath: tls.certificateFile,
                privateKeyPath: tls.keyFile,
                trustRootsPath: tls.caFile,
                requireClientCertificate: tls.requireClientCertificate
            )
            : nil
        return DICOMServer.Configuration(
            host: dicom.host,
            port: dicom.plainEnabled ? dicom.port : nil,
            tlsPort: tls.isEnabled ? tls.port : nil,
            tls: tlsSettings,
            policy: policy,
            maxAssociations: dicom.maxAssociations,
            timeouts: AssociationTimeouts(
                artim: dicom.artimTimeout.timeAmount,
                acse: dicom.artimTimeout.timeAmount,
                dimse: dicom.dimseTimeout.timeAmount,
                idle: dicom.idleTimeout.timeAmount
            )
        )
    }
}

extension Duration {
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
