import Foundation
@testable import Gateway
import Testing

@Suite("Console: form parsing and drawing as plain values")
struct ConsoleUnitTests {
    @Test("urlencoded forms: plus and percent escapes, repeated names, empty values")
    func urlEncoded() throws {
        let fields = try ConsoleForm.parseURLEncoded("a=1+2&b=%3Cx%3E&id=3&id=4&empty=&bare")
        let form = ConsoleForm(fields: fields)
        #expect(form.value("a") == "1 2")
        #expect(form.value("b") == "<x>")
        #expect(form.values("id") == ["3", "4"])
        #expect(form.value("empty") == nil)
        #expect(form.checked("bare") == false)
    }

    @Test("multipart: fields and files, CRLF inside a file kept, malformed bodies refused")
    func multipart() throws {
        let body = Array(
            ("--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntoken\r\n"
                + "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.dcm\"\r\nContent-Type: application/octet-stream\r\n\r\nline1\r\nline2\r\n"
                + "--XyZ--\r\n").utf8)
        #expect(MultipartParser.boundary(from: "multipart/form-data; boundary=XyZ") == "XyZ")
        #expect(MultipartParser.boundary(from: "multipart/form-data; boundary=\"XyZ\"") == "XyZ")
        #expect(MultipartParser.boundary(from: "multipart/form-data") == nil)
        let parts = try MultipartParser(boundary: "XyZ", maxParts: 10).parse(body)
        #expect(parts.map(\.name) == ["csrf", "file"])
        #expect(parts[1].filename == "a.dcm")
        #expect(String(decoding: parts[1].body, as: UTF8.self) == "line1\r\nline2")
        #expect(throws: ConsoleError.self) { try MultipartParser(boundary: "XyZ", maxParts: 10).parse(Array(body.prefix(40))) }
        #expect(throws: ConsoleError.self) { try MultipartParser(boundary: "XyZ", maxParts: 1).parse(body) }
        #expect(throws: ConsoleError.self) { try MultipartParser(boundary: "other", maxParts: 10).parse(body) }
    }

    @Test("bar chart: round scale, one bar pair per hour, labels escaped")
    func chart() {
        #expect(BarChart.niceCeiling(3) == 4)
        #expect(BarChart.niceCeiling(17) == 20)
        #expect(BarChart.niceCeiling(41) == 80)
        #expect(BarChart.niceCeiling(1234) == 2000)
        let svg = BarChart(buckets: [.init(label: "<b>", received: 3, forwarded: 1), .init(label: "01:00", received: 0, forwarded: 0)]).svg
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.components(separatedBy: "<rect").count - 1 == 4)
        #expect(!svg.contains("<b>"))
        #expect(svg.contains("&lt;b&gt;: 3 received"))
    }

    @Test("formatting of durations, sizes and person names")
    func formatting() {
        #expect(ConsoleFormat.duration(seconds: 42) == "42 s")
        #expect(ConsoleFormat.duration(seconds: 250) == "4 min 10 s")
        #expect(ConsoleFormat.duration(seconds: 7500) == "2 h 5 min")
        #expect(ConsoleFormat.bytes(512) == "512 B")
        #expect(ConsoleFormat.bytes(1536) == "1.5 KiB")
        #expect(ConsoleFormat.personName("DOE^JOHN^^DR") == "DOE, JOHN DR")
    }
}
