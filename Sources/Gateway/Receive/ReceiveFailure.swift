import DICOMNetwork
import Storage

/// Why a C-STORE was not stored, as the status and Error Comment that go back to the sender.
struct ReceiveFailure: Error {
    let result: StoreResult

    init(_ status: DIMSEStatus, _ comment: String) {
        result = .failure(status, Self.comment(comment))
    }

    private init(result: StoreResult) {
        self.result = result
    }

    /// A storage failure: a full disk or any I/O error is transient (`A700`, the sender may
    /// retry later); an unusable UID is the sender's data (`C000`).
    init(_ error: any Error) {
        if let error = error as? ReceiveFailure {
            self = error
        } else if let error = error as? StorageError {
            switch error.code {
            case .invalidUID: self.init(.cannotUnderstand, error.message)
            case .diskFull: self.init(.outOfResources, "disk full on the gateway")
            default: self.init(.outOfResources, "storage error: \(error.code)")
            }
        } else {
            self.init(.outOfResources, "\(error)")
        }
    }

    /// A duplicate that policy says to acknowledge without storing.
    static let acknowledgedDuplicate = ReceiveFailure(result: .success)

    /// (0000,0902) is LO: at most 64 characters, no backslash or control characters.
    static func comment(_ text: String) -> String {
        let cleaned = text.unicodeScalars.map { scalar -> Character in
            scalar.value < 0x20 || scalar.value > 0x7E || scalar == "\\" ? " " : Character(scalar)
        }
        return String(String(cleaned).prefix(64))
    }
}

extension DIMSEStatus {
    /// (PS3.7 Annex C) Duplicate SOP Instance: refused by the `reject` duplicate policy.
    static let duplicateSOPInstance = DIMSEStatus(rawValue: 0x0111)
}
