/// Collects field errors for a request body and answers 422 with all of them at once.
struct FieldValidator {
    private(set) var errors: [APIError.FieldError] = []

    mutating func fail(_ field: String, _ message: String) {
        errors.append(.init(field: field, message: message))
    }

    /// A required value, or a "required" error.
    mutating func required<T>(_ value: T?, _ field: String) -> T? {
        if value == nil { fail(field, "is required") }
        return value
    }

    mutating func check(_ condition: Bool, _ field: String, _ message: String) {
        if !condition { fail(field, message) }
    }

    /// Names of destinations and routes: the CHECK in 0001.
    mutating func name(_ value: String?, _ field: String = "name") {
        guard let value = required(value, field) else { return }
        let scalars = Array(value.unicodeScalars)
        func alnum(_ s: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s)
        }
        let valid = !scalars.isEmpty && scalars.count <= 64 && alnum(scalars[0])
            && scalars.allSatisfy { alnum($0) || ".-_".unicodeScalars.contains($0) }
        check(valid, field, "1–64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    }

    /// An AE title: 1–16 characters of the default repertoire, no backslash, not only spaces.
    mutating func aeTitle(_ value: String?, _ field: String, required isRequired: Bool) {
        guard let value else {
            if isRequired { fail(field, "is required") }
            return
        }
        let valid = (1...16).contains(value.unicodeScalars.count)
            && value.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) && $0 != "\\" }
            && !value.allSatisfy { $0 == " " }
        check(valid, field, "1–16 printable ASCII characters, no backslash")
    }

    /// Free text up to `maxLength` without control characters other than newline and tab.
    mutating func text(_ value: String?, _ field: String, maxLength: Int) {
        guard let value else { return }
        check(value.count <= maxLength, field, "at most \(maxLength) characters")
        check(
            !value.unicodeScalars.contains { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t" },
            field, "must not contain control characters")
    }

    /// An absolute file path.
    mutating func path(_ value: String?, _ field: String) {
        guard let value else { return }
        check(value.hasPrefix("/") && value.utf8.count <= 4096, field, "must be an absolute path")
        check(!value.unicodeScalars.contains { $0.properties.generalCategory == .control }, field, "must not contain control characters")
    }

    /// An integer within `range`.
    mutating func range<T: Comparable>(_ value: T?, _ field: String, _ range: ClosedRange<T>) {
        guard let value else { return }
        check(range.contains(value), field, "must be from \(range.lowerBound) to \(range.upperBound)")
    }

    /// Throws 422 when anything failed.
    func finish() throws {
        if !errors.isEmpty { throw APIError.validation(errors) }
    }
}
