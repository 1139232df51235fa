public import Foundation
public import Hummingbird

/// Reads and validates query parameters, collecting every problem before answering 422.
///
/// Values are length-capped before use; unknown parameters are refused so a typo does not
/// silently widen a search.
public struct QueryReader {
    let parameters: [(key: String, value: String)]
    private(set) var known: Set<String> = []
    /// Problems found so far.
    public private(set) var errors: [APIError.FieldError] = []

    /// A reader over the request's query string.
    public init(_ request: Request) {
        self.parameters = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
    }

    mutating func raw(_ name: String) -> String? {
        known.insert(name)
        let values = parameters.filter { $0.key == name }
        if values.count > 1 {
            errors.append(.init(field: name, message: "given more than once"))
            return nil
        }
        return values.first?.value
    }

    /// Records a problem.
    public mutating func fail(_ name: String, _ message: String) {
        errors.append(.init(field: name, message: message))
    }

    /// A string of at most `maxLength` characters without control characters.
    public mutating func string(_ name: String, maxLength: Int = 128) -> String? {
        guard let value = raw(name) else { return nil }
        if value.isEmpty { return nil }
        guard value.count <= maxLength else {
            fail(name, "at most \(maxLength) characters")
            return nil
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            fail(name, "must not contain control characters")
            return nil
        }
        return value
    }

    /// One of `allowed`.
    public mutating func choice(_ name: String, _ allowed: [String]) -> String? {
        guard let value = string(name, maxLength: 64) else { return nil }
        guard allowed.contains(value) else {
            fail(name, "must be one of \(allowed.joined(separator: ", "))")
            return nil
        }
        return value
    }

    /// An integer in `range`.
    public mutating func int(_ name: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = string(name, maxLength: 20) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            fail(name, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return value
    }

    /// A boolean (`true`/`false`).
    public mutating func bool(_ name: String) -> Bool? {
        guard let text = string(name, maxLength: 5) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            fail(name, "must be true or false")
            return nil
        }
    }

    /// A time: RFC 3339 (`2026-11-29T06:00:00Z`) or a date (`2026-11-29`, midnight UTC).
    public mutating func date(_ name: String) -> Date? {
        guard let text = string(name, maxLength: 40) else { return nil }
        guard let date = Self.parseDate(text) else {
            fail(name, "must be a date (YYYY-MM-DD) or an RFC 3339 time")
            return nil
        }
        return date
    }

    /// A calendar date `YYYY-MM-DD`, returned as that text (for `date` columns).
    public mutating func day(_ name: String) -> String? {
        guard let text = string(name, maxLength: 10) else { return nil }
        guard Self.parseDay(text) != nil else {
            fail(name, "must be a date YYYY-MM-DD")
            return nil
        }
        return text
    }

    /// Paging parameters `limit` (1…500, default 50) and `offset` (0…1,000,000).
    public mutating func page(defaultLimit: Int = 50) -> Page {
        Page(limit: int("limit", in: 1...Page.maxLimit) ?? defaultLimit, offset: int("offset", in: 0...Page.maxOffset) ?? 0)
    }

    /// Throws 422 listing every problem, including unknown parameters.
    public func finish() throws {
        var all = errors
        for (key, _) in parameters where !known.contains(key) && !all.contains(where: { $0.field == key }) {
            all.append(.init(field: key, message: "unknown parameter"))
        }
        if !all.isEmpty { throw APIError.validation(all) }
    }

    static func parseDate(_ text: String) -> Date? {
        if let day = parseDay(text) { return day }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func parseDay(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let components = DateComponents(year: year, month: month, day: day)
        guard components.isValidDate(in: calendar) else { return nil }
        return calendar.date(from: components)
    }
}
