import HTTPTypes
import Foundation

/// A grouped bar chart as inline SVG markup: one pair of bars (received, forwarded) per
/// hour. Drawn on the server so the page needs no script; labels are escaped here because
/// the markup goes into the page unescaped.
struct BarChart: Sendable {
    /// One hour's counts.
    struct Bucket: Sendable {
        let label: String
        let received: Int
        let forwarded: Int
    }

    let buckets: [Bucket]

    /// The SVG element.
    var svg: String {
        let width = 960.0
        let height = 220.0
        let left = 44.0
        let bottom = 24.0
        let top = 10.0
        let plotHeight = height - bottom - top
        let maximum = max(1, buckets.map { max($0.received, $0.forwarded) }.max() ?? 1)
        let scaleMax = Self.niceCeiling(maximum)
        let slot = (width - left - 8) / Double(max(buckets.count, 1))
        let bar = max(1, (slot - 6) / 2)
        var out = #"<svg viewBox="0 0 \#(Int(width)) \#(Int(height))" role="img" aria-label="Objects received and forwarded per hour">"#
        for step in 0...4 {
            let value = scaleMax * step / 4
            let y = top + plotHeight - plotHeight * Double(value) / Double(scaleMax)
            out += #"<line class="axis" x1="\#(f(left))" y1="\#(f(y))" x2="\#(f(width - 8))" y2="\#(f(y))"/>"#
            out += #"<text x="\#(f(left - 6))" y="\#(f(y + 4))" text-anchor="end">\#(value)</text>"#
        }
        for (index, bucket) in buckets.enumerated() {
            let x = left + slot * Double(index) + 3
            for (offset, count, cls, what) in [(0.0, bucket.received, "received", "received"), (bar, bucket.forwarded, "forwarded", "forwarded")] {
                let h = plotHeight * Double(count) / Double(scaleMax)
                out += #"<rect class="\#(cls)" x="\#(f(x + offset))" y="\#(f(top + plotHeight - h))" width="\#(f(bar))" height="\#(f(h))">"#
                out += "<title>\(Self.escape(bucket.label)): \(count) \(what)</title></rect>"
            }
            if index % 3 == 0 {
                out += #"<text x="\#(f(x + bar))" y="\#(f(height - 6))" text-anchor="middle">\#(Self.escape(bucket.label))</text>"#
            }
        }
        return out + "</svg>"
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// The smallest 4 × (1, 2 or 5 × 10ⁿ) at or above `value`: four grid steps of round numbers.
    static func niceCeiling(_ value: Int) -> Int {
        var magnitude = 1
        while true {
            for step in [1, 2, 5] where step * magnitude * 4 >= value {
                return step * magnitude * 4
            }
            magnitude *= 10
        }
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
