import Foundation
import Testing

@testable import DICOM

@Suite struct JSONTests {
    /// Our DICOM JSON matches DCMTK's dcm2json for every readable corpus file: same keys,
    /// VRs, strings, person names, numbers and inline binaries.
    @Test(arguments: CorpusTests.readable)
    func matchesDCM2JSON(_ name: String) throws {
        var options = DICOMFile.ReadOptions()
        options.maxValueLength = 64 << 20
        let file = try DICOMFile.read(path: Corpus.path(name), options: options)
        let reference = try Corpus.run("/usr/bin/dcm2json", [Corpus.path(name)])
        // dcm2json cannot write encapsulated pixel data: it stops there with status 81.
        var encapsulated = false
        if case .fragments? = file.dataSet[.pixelData]?.value { encapsulated = true }
        #expect(reference.status == (encapsulated ? 81 : 0))
        let theirs = try #require(try JSONSerialization.jsonObject(with: Data(reference.output.utf8)) as? [String: Any])
        let text = DICOMJSONEncoder.encode(file.dataSet)
        var ours = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        if encapsulated {
            ours = ours.filter { $0.key < "7FE00010" }
        }
        var differences: [String] = []
        Self.compare(ours, theirs, path: name, implicit: !file.transferSyntax.isExplicitVR, into: &differences)
        #expect(differences.isEmpty, "\(differences.prefix(5))")
    }

    static func compare(_ ours: [String: Any], _ theirs: [String: Any], path: String, implicit: Bool, into differences: inout [String]) {
        // dcm2json declares ISO_IR 192 (it converts text to UTF-8), adding it if absent.
        let skip: Set<String> = ["00080005"]
        let ourKeys = Set(ours.keys).subtracting(skip)
        let theirKeys = Set(theirs.keys).subtracting(skip)
        if ourKeys != theirKeys {
            differences.append("\(path): keys \(ourKeys.symmetricDifference(theirKeys).sorted())")
            return
        }
        for key in ourKeys.sorted() {
            guard let mine = ours[key] as? [String: Any], let other = theirs[key] as? [String: Any] else { continue }
            let here = path + "/" + key
            let vr = mine["vr"] as? String ?? ""
            // Implicit VR: DCMTK knows private VRs and resolves "US or SS" from Pixel Representation.
            let alternatives = DataDictionary.entry(for: Tag(UInt32(key, radix: 16) ?? 0))?.vrs.map(\.description) ?? []
            let tolerated = implicit && (vr == "UN" || alternatives.contains(other["vr"] as? String ?? ""))
            if vr != other["vr"] as? String ?? "" && !tolerated {
                differences.append("\(here): vr \(vr) vs \(other["vr"] ?? "")")
                continue
            }
            if vr == "UN" && implicit { continue }
            switch (mine["Value"], other["Value"]) {
            case (nil, nil):
                break
            case (let a as [Any], let b as [Any]):
                if a.count != b.count {
                    differences.append("\(here): \(a.count) values vs \(b.count)")
                    continue
                }
                for (x, y) in zip(a, b) {
                    if let x = x as? [String: Any], let y = y as? [String: Any], vr == "SQ" {
                        compare(x, y, path: here, implicit: implicit, into: &differences)
                    } else if !same(x, y) {
                        differences.append("\(here): \(x) vs \(y)")
                    }
                }
            default:
                differences.append("\(here): value \(String(describing: mine["Value"])) vs \(String(describing: other["Value"]))")
            }
            if let inline = mine["InlineBinary"] as? String, inline != other["InlineBinary"] as? String {
                differences.append("\(here): inline binary differs")
            }
        }
    }

    static func same(_ a: Any, _ b: Any) -> Bool {
        if let x = a as? NSNumber, let y = b as? NSNumber {
            let u = x.doubleValue, v = y.doubleValue
            // FL values: we print the shortest float form, DCMTK more digits.
            return u == v || abs(u - v) <= 1e-6 * max(abs(u), abs(v))
        }
        if let x = a as? String, let y = b as? String { return x == y }
        if let x = a as? [String: String], let y = b as? [String: String] { return x == y }
        return a is NSNull && b is NSNull
    }

    @Test func encodesTheModel() {
        var dataSet = DataSet()
        dataSet.set(.patientName, .PN, "Doe^John=ドウ^ジョン")
        dataSet.set(.imageType, .CS, "ORIGINAL\\\\AXIAL")
        dataSet[.rows] = DataElement(tag: .rows, vr: .US, bytes: [0x00, 0x02])
        dataSet.set(.sliceThickness, .DS, "+5.0 ")
        dataSet[.pixelData] = DataElement(tag: .pixelData, vr: .OB, bytes: [1, 2, 3, 4])
        dataSet[.referencedSeriesSequence] = DataElement(tag: .referencedSeriesSequence, vr: .SQ, value: .sequence([DataSet()]))
        let json = DICOMJSONEncoder.encode(dataSet, characterSet: .utf8)
        #expect(json.contains(#""00100010":{"vr":"PN","Value":[{"Alphabetic":"Doe^John","Ideographic":"ドウ^ジョン"}]}"#))
        #expect(json.contains(#""00080008":{"vr":"CS","Value":["ORIGINAL",null,"AXIAL"]}"#))
        #expect(json.contains(#""00280010":{"vr":"US","Value":[512]}"#))
        #expect(json.contains(#""00180050":{"vr":"DS","Value":[5.0]}"#))
        #expect(json.contains(#""7FE00010":{"vr":"OB","InlineBinary":"AQIDBA=="}"#))
        #expect(json.contains(#""00081115":{"vr":"SQ","Value":[{}]}"#))
    }
}
