import ArgumentParser
import Foundation
import Gateway
import Logging
import PostgresClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `dicom-gw user …`: operator accounts.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage operator accounts of the admin API and console.",
        subcommands: [Add.self, Passwd.self, Disable.self, Enable.self, List.self, SetRole.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var password: PasswordOptions
        @Argument(help: "The username.") var username: String
        @Option(help: "admin, operator or viewer.") var role: String = "viewer"

        func run() async throws {
            guard let role = Role(name: role) else { throw ValidationError("role must be admin, operator or viewer") }
            let (secret, generated) = try password.obtain(confirm: true)
            try await database.withUsers { users in
                let user = try await users.create(username: username, password: secret, role: role, by: DatabaseOptions.actor)
                print("created \(user.username) (\(user.role.name))")
                if generated { print("password (shown once): \(secret)") }
            }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set an account's password (ends its sessions).")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var password: PasswordOptions
        @Argument(help: "The username.") var username: String

        func run() async throws {
            let (secret, generated) = try password.obtain(confirm: true)
            try await database.withUsers { users in
                let user = try await users.setPassword(
                    userID: try await DatabaseOptions.find(users, username).id, password: secret, by: DatabaseOptions.actor)
                print("password changed for \(user.username)")
                if generated { print("password (shown once): \(secret)") }
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account (ends its sessions, stops its tokens).")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The username.") var username: String

        func run() async throws {
            try await database.withUsers { users in
                let user = try await users.setDisabled(
                    userID: try await DatabaseOptions.find(users, username).id, disabled: true, by: DatabaseOptions.actor)
                print("disabled \(user.username)")
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable an account (and clear a lockout).")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The username.") var username: String

        func run() async throws {
            try await database.withUsers { users in
                let user = try await users.setDisabled(
                    userID: try await DatabaseOptions.find(users, username).id, disabled: false, by: DatabaseOptions.actor)
                print("enabled \(user.username)")
            }
        }
    }

    struct SetRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "role", abstract: "Change an account's role.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The username.") var username: String
        @Argument(help: "admin, operator or viewer.") var role: String

        func run() async throws {
            guard let role = Role(name: role) else { throw ValidationError("role must be admin, operator or viewer") }
            try await database.withUsers { users in
                let user = try await users.setRole(
                    userID: try await DatabaseOptions.find(users, username).id, role: role, by: DatabaseOptions.actor)
                print("\(user.username) is now \(user.role.name)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await database.withUsers { users in
                let all = try await users.list()
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    encoder.dateEncodingStrategy = .iso8601
                    print(String(decoding: try encoder.encode(all), as: UTF8.self))
                    return
                }
                let formatter = ISO8601DateFormatter()
                print("USERNAME".padding(toLength: 24, withPad: " ", startingAt: 0), "ROLE     ", "STATE    ", "LAST LOGIN")
                for user in all {
                    let state = user.disabled ? "disabled" : (user.lockedUntil.map { $0 > Date() } ?? false) ? "locked" : "active"
                    print(
                        user.username.padding(toLength: 24, withPad: " ", startingAt: 0),
                        user.role.name.padding(toLength: 9, withPad: " ", startingAt: 0),
                        state.padding(toLength: 9, withPad: " ", startingAt: 0),
                        user.lastLoginAt.map(formatter.string(from:)) ?? "never")
                }
            }
        }
    }
}

/// How `user` and `audit` commands reach the database: the global options and
/// configuration layers, plus the bcrypt cost for new hashes.
struct DatabaseOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions

    @Option(help: "bcrypt cost for new password hashes (4–31).")
    var bcryptCost: UInt8 = 12

    /// The audit actor for commands run from a shell: the operating-system account.
    static var actor: AuditEvent.Actor {
        .user("os:" + (ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.userName))
    }

    func withPool<T>(_ body: (PostgresPool) async throws -> T) async throws -> T {
        let configuration = try await global.load()
        let pool = PostgresPool(
            configuration: .init(
                url: configuration.database.url, maxConnections: 2, connectTimeout: configuration.database.connectTimeout),
            logger: Logger(label: "dicom-gw.cli"))
        do {
            let value = try await body(pool)
            await pool.shutdown()
            return value
        } catch {
            await pool.shutdown()
            if let error = error as? ResourceError {
                // A refusal, not a usage error: say why without the usage text.
                FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
                throw ExitCode(1)
            }
            throw error
        }
    }

    func withUsers(_ body: (UserStore) async throws -> Void) async throws {
        try await withPool { pool in
            try await body(UserStore(pool: pool, hasher: PasswordHasher(cost: bcryptCost)))
        }
    }

    static func find(_ users: UserStore, _ username: String) async throws -> UserRecord {
        guard let user = try await users.find(username: username) else { throw ValidationError("no user named \(username)") }
        return user
    }
}

/// Where a new password comes from: a prompt without echo (default), standard input, or
/// generated and printed once.
struct PasswordOptions: ParsableArguments {
    @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false
    @Flag(help: "Generate a password and print it once.") var generatePassword = false

    func obtain(confirm: Bool) throws -> (password: String, generated: Bool) {
        if generatePassword { return (SecretGenerator.password(), true) }
        if passwordStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw ValidationError("no password on standard input")
            }
            return (line, false)
        }
        guard isatty(STDIN_FILENO) == 1 else {
            throw ValidationError("standard input is not a terminal: use --password-stdin or --generate-password")
        }
        let first = try Self.prompt("Password: ")
        if let problem = PasswordHasher.policyViolation(first) { throw ValidationError(problem) }
        if confirm, try Self.prompt("Repeat password: ") != first { throw ValidationError("the passwords differ") }
        return (first, false)
    }

    /// Reads a line from the terminal with echo turned off.
    static func prompt(_ text: String) throws -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var original = termios()
        guard tcgetattr(STDIN_FILENO, &original) == 0 else { throw ValidationError("cannot read the terminal settings") }
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &original)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true) ?? ""
    }
}
