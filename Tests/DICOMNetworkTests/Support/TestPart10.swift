import Foundation

/// A tiny test-only Part 10 meta reader: preamble, DICM, group 0002 in Explicit VR LE.
struct TestPart10 {
    var url: URL
    var dataSetOffset: Int
    var transferSyntax: String
    var sopClassUID: String
    var sopInstanceUID: String

    var dataSet: Data {
        get throws {
            let data = try Data(contentsOf: self.url)
            return data.subdata(in: self.dataSetOffset..<data.count)
        }
    }

    init(url: URL) throws {
        let data = try Data(contentsOf: url)
        self.url = url
        guard data.count > 132, data[128..<132] == Data("DICM".utf8) else { throw CocoaError(.fileReadCorruptFile) }
        var offset = 132
        var values: [UInt16: String] = [:]
        func u16(_ o: Int) -> Int { Int(data[o]) | Int(data[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        while offset + 8 <= data.count, u16(offset) == 0x0002 {
            let element = UInt16(u16(offset + 2))
            let vr = String(decoding: data[(offset + 4)..<(offset + 6)], as: UTF8.self)
            var length: Int
            var header: Int
            if ["OB", "OW", "OF", "SQ", "UT", "UN"].contains(vr) {
                length = u32(offset + 8)
                header = 12
            } else {
                length = u16(offset + 6)
                header = 8
            }
            let value = data[(offset + header)..<(offset + header + length)]
            values[element] = String(decoding: value, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\0 "))
            offset += header + length
        }
        self.dataSetOffset = offset
        self.transferSyntax = values[0x0010] ?? ""
        self.sopClassUID = values[0x0002] ?? ""
        self.sopInstanceUID = values[0x0003] ?? ""
    }
}

enum Corpus {
    static var directory: URL {
        if let path = ProcessInfo.processInfo.environment["DICOM_GW_CORPUS"] {
            return URL(fileURLWithPath: path).appendingPathComponent("pydicom")
        }
        // Tests/DICOMNetworkTests/Support/TestPart10.swift → package root → ../shared/corpus
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.deletingLastPathComponent().appendingPathComponent("shared/corpus/pydicom")
    }

    /// Copies corpus files into a fresh temp directory and returns their URLs there.
    static func copy(_ names: [String], into directory: URL) throws -> [URL] {
        try names.map { name in
            let target = directory.appendingPathComponent(name)
            try FileManager.default.copyItem(at: self.directory.appendingPathComponent(name), to: target)
            return target
        }
    }
}

func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("dicomnet-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
