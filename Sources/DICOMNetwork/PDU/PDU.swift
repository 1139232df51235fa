import NIOCore

/// One upper-layer protocol data unit (PS3.8 §9.3).
///
/// The seven PDU types are a closed set fixed by the standard, so this is an enum.
public enum PDU: Sendable, Hashable {
    /// A-ASSOCIATE-RQ (type 01h).
    case associateRequest(AssociateRequest)
    /// A-ASSOCIATE-AC (type 02h).
    case associateAccept(AssociateAccept)
    /// A-ASSOCIATE-RJ (type 03h).
    case associateReject(AssociateReject)
    /// P-DATA-TF (type 04h): one or more presentation data values.
    case dataTransfer([PresentationDataValue])
    /// A-RELEASE-RQ (type 05h).
    case releaseRequest
    /// A-RELEASE-RP (type 06h).
    case releaseResponse
    /// A-ABORT (type 07h).
    case abort(Abort)

    /// The PDU type byte that starts this PDU on the wire.
    public var typeCode: UInt8 {
        switch self {
        case .associateRequest: 0x01
        case .associateAccept: 0x02
        case .associateReject: 0x03
        case .dataTransfer: 0x04
        case .releaseRequest: 0x05
        case .releaseResponse: 0x06
        case .abort: 0x07
        }
    }
}

extension PDU: CustomStringConvertible {
    /// A short description for logs, without data-set bytes.
    public var description: String {
        switch self {
        case .associateRequest(let rq):
            "A-ASSOCIATE-RQ(\(rq.callingAETitle) → \(rq.calledAETitle), \(rq.presentationContexts.count) contexts)"
        case .associateAccept(let ac):
            "A-ASSOCIATE-AC(\(ac.presentationContexts.count) contexts)"
        case .associateReject(let rj):
            "A-ASSOCIATE-RJ(result \(rj.result.rawValue), source \(rj.source), reason \(rj.reason))"
        case .dataTransfer(let pdvs):
            "P-DATA-TF(\(pdvs.count) PDVs, \(pdvs.reduce(0) { $0 + $1.data.readableBytes }) bytes)"
        case .releaseRequest: "A-RELEASE-RQ"
        case .releaseResponse: "A-RELEASE-RP"
        case .abort(let abort): "A-ABORT(source \(abort.source.rawValue), reason \(abort.reason.rawValue))"
        }
    }
}
