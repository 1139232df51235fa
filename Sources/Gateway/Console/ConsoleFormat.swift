import HTTPTypes
import Foundation

/// How the console writes times, durations and sizes: UTC, to the second, short units.
enum ConsoleFormat {
    /// `2026-11-29 09:14:03 UTC`.
    static func time(_ date: Date?) -> String? {
        guard let date else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date) + " UTC"
    }

    /// `3 s`, `4 min 10 s`, `2 h 5 min`, `3 d 4 h`.
    static func duration(seconds: Double) -> String {
        let s = max(0, Int(seconds.rounded()))
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min" + (s % 60 == 0 ? "" : " \(s % 60) s") }
        if s < 86_400 { return "\(s / 3600) h" + ((s % 3600) / 60 == 0 ? "" : " \((s % 3600) / 60) min") }
        return "\(s / 86_400) d" + ((s % 86_400) / 3600 == 0 ? "" : " \((s % 86_400) / 3600) h")
    }

    /// `512 B`, `1.5 KiB`, `20.3 GiB`.
    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// A DICOM person name for people: `DOE^JOHN` → `DOE, JOHN`.
    static func personName(_ name: String?) -> String? {
        guard let name, !name.isEmpty else { return nil }
        let parts = name.split(separator: "^", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
        guard parts.count > 1 else { return name }
        return parts[0] + ", " + parts.dropFirst().joined(separator: " ")
    }

    /// A text cut to `limit` characters with an ellipsis.
    static func clip(_ text: String?, _ limit: Int = 120) -> String? {
        guard let text else { return nil }
        return text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}
