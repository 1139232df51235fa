/// The keys a configuration file may hold, and a check of a file against them.
///
/// swift-configuration answers the keys it is asked for and says nothing of the others, so a
/// misspelt key (`max_assocations`, or a key under the wrong section) would be ignored and its
/// default used without a word: for `tls.require_client_certificate` that silently weakens
/// the gateway. ``GatewayConfiguration/load(file:overrides:environment:)`` therefore refuses a
/// file holding a key not listed here, naming it, its line and the closest known key.
///
/// Why a scanner of our own: the YAML parser (Yams, inside swift-configuration) is not a
/// dependency of ours and the file provider does not list its keys. The scanner reads the
/// block mappings this file format uses (sections of scalar and list values); what it cannot
/// read with certainty (flow mappings, entries of lists, block scalars) it skips rather than
/// reports, so it can only miss a typo there, never refuse a valid file.
enum ConfigurationKeys {
    /// Every key of the file format (docs/configuration.md lists the same; a test keeps them
    /// in step). `retention.*` is read by `dicom-gw storage cleanup`.
    static let known: Set<String> = [
        "database.url", "database.max_connections", "database.connect_timeout",
        "storage.root", "storage.service_user", "storage.duplicate_policy",
        "dicom.ae_title", "dicom.host", "dicom.port", "dicom.plain_enabled", "dicom.allowed_calling_ae_titles",
        "dicom.max_associations", "dicom.max_pdu_length", "dicom.artim_timeout", "dicom.dimse_timeout",
        "dicom.idle_timeout",
        "tls.port", "tls.certificate_file", "tls.key_file", "tls.ca_file", "tls.require_client_certificate",
        "admin.listen", "admin.tls_certificate_file", "admin.tls_key_file", "admin.secure_cookies",
        "workers.count", "workers.metrics_listen",
        "forward.calling_ae_title", "forward.batch_size", "forward.rescue_silence", "forward.rescue_interval",
        "forward.poll_interval", "forward.batch_linger", "forward.connect_timeout", "forward.network_timeout", "forward.job_history_days",
        "forward.destinations", "forward.routes",
        "log.level", "log.file",
        "retention.tmp_days", "retention.failed_days", "retention.forwarded_days",
    ]

    /// The sections: keys that hold other keys.
    static let sections: Set<String> = Set(known.compactMap { $0.split(separator: ".").first.map(String.init) })

    /// A key found in a file.
    struct Found: Equatable {
        var key: String
        var line: Int
    }

    /// A key of the file that is not one of ours.
    struct Unknown: Equatable {
        var key: String
        var line: Int
        /// The known key it most likely meant, if one is close.
        var suggestion: String?

        /// `; did you mean …?`, or nothing.
        var hint: String { suggestion.map { "; did you mean \($0)?" } ?? "" }

        var description: String { "\(key) (line \(line)\(hint))" }
    }

    /// `DICOM_GW_…` variables that are not for the configuration although they start like a
    /// section's (the storage scripts' own).
    static let otherEnvironmentVariables: Set<String> = ["DICOM_GW_LOG_DIR"]

    /// The environment variable of `key` (`dicom.max_pdu_length` → `DICOM_GW_DICOM_MAX_PDU_LENGTH`).
    static func environmentName(of key: String) -> String {
        "DICOM_GW_" + String(key.uppercased().map { $0 == "." ? "_" : $0 })
    }

    /// Variables of `environment` named like a configuration key of a known section
    /// (`DICOM_GW_FORWARD_…`) that are not one, each with the variable it most likely meant.
    /// Other `DICOM_GW_…` variables (the scripts' and tests' own) are not looked at.
    static func unknownEnvironment(_ environment: [String: String]) -> [(name: String, suggestion: String?)] {
        let knownNames = Set(known.map(environmentName(of:)))
        let prefixes = sections.map { "DICOM_GW_\($0.uppercased())_" }
        return environment.keys.sorted().compactMap { name in
            guard prefixes.contains(where: { name.hasPrefix($0) }), !knownNames.contains(name),
                  !otherEnvironmentVariables.contains(name) else { return nil }
            return (name, closest(to: name, among: knownNames, within: max(2, name.count / 4)))
        }
    }

    /// The keys of `yaml` that are neither known keys nor sections; under an unknown key,
    /// only that key (`foward:`, not also `foward.routes`).
    static func unknown(in yaml: String) -> [Unknown] {
        var unknown: [Unknown] = []
        for found in scan(yaml) where !known.contains(found.key) && !sections.contains(found.key) {
            if unknown.contains(where: { found.key.hasPrefix($0.key + ".") }) { continue }
            unknown.append(Unknown(key: found.key, line: found.line, suggestion: suggestion(for: found.key)))
        }
        return unknown
    }

    /// The dotted paths of the block-mapping keys of `yaml`, each with its line (1-based).
    /// Keys inside list entries, flow collections and block scalars are not returned.
    static func scan(_ yaml: String) -> [Found] {
        // An open mapping key, or a list entry (`key` nil) whose content is not scanned.
        struct Level {
            var indent: Int
            var key: String?
        }
        var found: [Found] = []
        var levels: [Level] = []
        var blockScalarIndent: Int?
        var flowDepth = 0
        var number = 0
        // `\r\n` is one Character in Swift, so split on any line break, not on "\n".
        for raw in yaml.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            number += 1
            var line = Substring(raw)
            if number == 1, line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
            let indent = line.prefix { $0 == " " }.count
            let content = stripComment(line.dropFirst(indent))
            if let scalarIndent = blockScalarIndent {
                // A block scalar (`|`, `>`) runs while its lines are blank or indented deeper.
                if content.isEmpty || indent > scalarIndent { continue }
                blockScalarIndent = nil
            }
            if flowDepth > 0 {
                flowDepth = max(0, flowDepth + bracketBalance(content))
                continue
            }
            if content.isEmpty || content == "---" || content == "..." || content.hasPrefix("%") { continue }
            // Tabs may not indent YAML; such a line is left to the parser, which refuses it.
            if line.dropFirst(indent).first == "\t" { continue }
            if content == "-" || content.hasPrefix("- ") {
                levels.removeAll { $0.indent > indent || ($0.indent == indent && $0.key == nil) }
                levels.append(Level(indent: indent, key: nil))
                continue
            }
            guard let (key, value) = splitKey(content) else { continue }
            levels.removeAll { $0.indent >= indent }
            let inList = levels.contains { $0.key == nil }
            levels.append(Level(indent: indent, key: key))
            if !inList {
                found.append(Found(key: levels.compactMap(\.key).joined(separator: "."), line: number))
            }
            if value.hasPrefix("|") || value.hasPrefix(">") {
                blockScalarIndent = indent
            } else if value.hasPrefix("[") || value.hasPrefix("{") {
                flowDepth = max(0, bracketBalance(value))
            }
        }
        return found
    }

    /// `content` without a trailing comment (`#` at the start or after a space, outside
    /// quotes), trailing spaces trimmed.
    private static func stripComment(_ content: Substring) -> Substring {
        var quote: Character?
        var previous: Character = " "
        var end = content.endIndex
        for index in content.indices {
            let c = content[index]
            if let open = quote {
                if c == open { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" && (previous == " " || previous == "\t") {
                end = index
                break
            }
            previous = c
        }
        var result = content[..<end]
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }

    /// `[`/`{` opened minus closed, outside quotes.
    private static func bracketBalance(_ text: Substring) -> Int {
        var depth = 0
        var quote: Character?
        for c in text {
            if let open = quote {
                if c == open { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "[" || c == "{" {
                depth += 1
            } else if c == "]" || c == "}" {
                depth -= 1
            }
        }
        return depth
    }

    /// Letters, digits, `_`, `-`, and `.` (a dotted key, `dicom.port: 104`, is that path).
    private static func isKeyCharacter(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "_" || c == "-" || c == "."
    }

    /// A `key: value` line's key (unquoted) and value; nil when the line is not one. Keys are
    /// names (see `isKeyCharacter`), plain or quoted.
    private static func splitKey(_ content: Substring) -> (String, Substring)? {
        var rest = content
        var key: Substring
        if let quote = rest.first, quote == "\"" || quote == "'" {
            rest = rest.dropFirst()
            guard let close = rest.firstIndex(of: quote) else { return nil }
            key = rest[..<close]
            rest = rest[rest.index(after: close)...]
        } else {
            let end = rest.firstIndex { !isKeyCharacter($0) } ?? rest.endIndex
            key = rest[..<end]
            rest = rest[end...]
        }
        guard !key.isEmpty, key.allSatisfy(isKeyCharacter) else { return nil }
        while rest.first == " " { rest = rest.dropFirst() }
        guard rest.first == ":" else { return nil }
        rest = rest.dropFirst()
        guard rest.isEmpty || rest.first == " " else { return nil }
        while rest.first == " " { rest = rest.dropFirst() }
        return (String(key), rest)
    }

    /// The known key closest to `key`: the same name under another section, or one a few
    /// edits away.
    static func suggestion(for key: String) -> String? {
        let name = key.split(separator: ".").last.map(String.init) ?? key
        let sameName = known.filter { $0.hasSuffix(".\(name)") }.sorted()
        if sameName.count == 1 { return sameName[0] }
        return closest(to: key, among: known.union(sections), within: max(2, key.count / 3))
    }

    /// The candidate fewest edits from `name` (the first in sorted order on a tie), if it is
    /// at most `limit` edits away.
    static func closest(to name: String, among candidates: Set<String>, within limit: Int) -> String? {
        var best: (candidate: String, distance: Int)?
        for candidate in candidates.sorted() {
            let distance = editDistance(name, candidate)
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best, best.distance <= limit else { return nil }
        return best.candidate
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = Array(repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
