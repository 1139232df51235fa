import Crypto
import Foundation

/// Random secrets handed to people and scripts once: session cookies, API tokens,
/// generated passwords. Only their SHA-256 is kept.
public enum SecretGenerator {
    /// The prefix of every API token, so that a leaked token is recognisable by scanners.
    public static let apiTokenPrefix = "dgw_"

    /// `byteCount` random bytes from the system's cryptographic generator, base64url
    /// without padding.
    public static func randomToken(byteCount: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return base64URL(bytes)
    }

    /// A new API token: the prefix then 32 random bytes.
    public static func apiToken() -> String { apiTokenPrefix + randomToken() }

    /// A password of `length` characters from an alphabet without look-alikes (no 0/O, 1/l/I),
    /// for initial accounts whose password is shown once.
    public static func password(length: Int = 20) -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<max(length, 12)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    /// SHA-256 of a secret's UTF-8 bytes: the form kept at rest.
    public static func hash(_ secret: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(secret.utf8)))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
