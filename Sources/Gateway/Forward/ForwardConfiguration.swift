/// The `forward.*` keys of the configuration file.
public struct ForwardConfiguration: Sendable, Equatable {
    /// Worker behaviour (batch size, timeouts, rescue).
    public var settings = ForwardSettings()
    /// Destinations declared in the file, each `name=… ae_title=… host=… port=… [key=value…]`.
    public var destinations: [String] = []
    /// Routes declared in the file, each `name=… to=a,b [mode=study_stable stable_seconds=N
    /// archive_policy=archive] [FIELD=VALUE | FIELD~REGEX | FIELD? | FIELD!]…`.
    public var routes: [String] = []
    /// Whether the configuration has a `forward.destinations` key at all (even an empty
    /// list). Only then does the start-up sync take out config destinations it no longer
    /// declares: an omitted or misspelt key must not empty the database. Set by the loader.
    public var destinationsDeclared = false
    /// The same for `forward.routes`.
    public var routesDeclared = false

    /// Defaults: nothing declared.
    public init() {}

    /// The declared destinations, parsed.
    /// - Throws: ``ForwardError`` `invalidArgument` naming the bad entry.
    public func parsedDestinations() throws -> [Destination] {
        try destinations.map { spec in
            var fields = try Self.fields(spec)
            func take(_ key: String) -> String? { fields.removeValue(forKey: key) }
            guard let name = take("name"), let ae = take("ae_title"), let host = take("host"),
                  let portText = take("port"), let port = Int(portText)
            else { throw ForwardError(.invalidArgument, "forward.destinations '\(spec)': needs name, ae_title, host, port") }
            var d = Destination(name: name, aeTitle: ae, host: host, port: port)
            d.callingAETitle = take("calling_ae_title")
            if let v = take("max_associations").flatMap(Int.init) { d.maxAssociations = v }
            if let v = take("max_objects_per_association").flatMap(Int.init) { d.maxObjectsPerAssociation = v }
            if let v = take("max_attempts").flatMap(Int.init) { d.maxAttempts = v }
            if let v = take("retry_initial_delay").flatMap(Double.init) { d.retryInitialDelay = v }
            if let v = take("retry_max_delay").flatMap(Double.init) { d.retryMaxDelay = v }
            if let v = take("breaker_threshold").flatMap(Int.init) { d.breakerThreshold = v }
            if let v = take("breaker_pause").flatMap(Double.init) { d.breakerPause = v }
            if let v = take("tls") { d.tlsEnabled = v == "true" }
            // Strict, unlike the other words: a typo must not silently turn the check off (or on).
            if let v = take("tls_verify_hostname") {
                guard let verify = Bool(v) else {
                    throw ForwardError(.invalidArgument, "forward.destinations '\(spec)': tls_verify_hostname must be true or false")
                }
                d.tlsVerifyHostname = verify
            } else {
                d.tlsVerifyHostnameUndeclared = true
            }
            d.tlsCAFile = take("tls_ca_file")
            d.tlsCertificateFile = take("tls_certificate_file")
            d.tlsKeyFile = take("tls_key_file")
            if let v = take("enabled") { d.enabled = v == "true" }
            guard fields.isEmpty else {
                throw ForwardError(.invalidArgument, "forward.destinations '\(spec)': unknown \(fields.keys.sorted().joined(separator: ", "))")
            }
            try d.validate()
            return d
        }
    }

    /// The declared routes, parsed.
    /// - Throws: ``ForwardError`` `invalidArgument` naming the bad entry.
    public func parsedRoutes() throws -> [Route] {
        try routes.map { spec in
            var route = Route(name: "", destinations: [])
            for word in spec.split(separator: " ").map(String.init) {
                if let eq = word.firstIndex(of: "="), case let key = String(word[..<eq]),
                   ["name", "to", "mode", "stable_seconds", "archive_policy", "priority"].contains(key) {
                    let value = String(word[word.index(after: eq)...])
                    switch key {
                    case "name": route.name = value
                    case "to": route.destinations = value.split(separator: ",").map(String.init)
                    case "mode":
                        guard let mode = Route.Mode(name: value) else { throw ForwardError(.invalidArgument, "forward.routes '\(spec)': mode \(value)") }
                        route.mode = mode
                    case "stable_seconds": route.stableSeconds = Int(value) ?? 0
                    case "priority": route.priority = Int(value) ?? 100
                    default: route.archivePolicy = value
                    }
                } else {
                    route.conditions.append(try RouteCondition(parsing: word))
                }
            }
            guard !route.name.isEmpty else { throw ForwardError(.invalidArgument, "forward.routes '\(spec)': needs name=") }
            return route
        }
    }

    static func fields(_ spec: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for word in spec.split(separator: " ") {
            guard let eq = word.firstIndex(of: "=") else { throw ForwardError(.invalidArgument, "'\(word)' is not key=value") }
            out[String(word[..<eq])] = String(word[word.index(after: eq)...])
        }
        return out
    }
}
