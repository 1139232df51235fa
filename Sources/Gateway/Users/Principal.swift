/// Who is making an authenticated request, and how they proved it.
public struct Principal: Sendable, Equatable {
    /// How the request was authenticated.
    public enum Credential: Sendable, Equatable {
        /// A browser session cookie; `csrfToken` must accompany state-changing requests.
        case session(id: Int64, csrfToken: String)
        /// An API token (bearer).
        case apiToken(id: Int64)
    }

    /// The user's row id.
    public var userID: Int64
    /// The user's name, used as the audit actor.
    public var username: String
    /// The user's current role.
    public var role: Role
    /// The credential presented.
    public var credential: Credential

    /// Creates a principal.
    public init(userID: Int64, username: String, role: Role, credential: Credential) {
        self.userID = userID
        self.username = username
        self.role = role
        self.credential = credential
    }
}
