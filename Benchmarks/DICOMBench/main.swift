// dicom-bench: header-parse throughput and peak memory of the DICOM reader, printed beside
// peers measured in the same run (a plain byte copy, DCMTK's dcmdump) as ratios.
// Not a test: run `swift run -c release dicom-bench [corpus-dir] [large-MiB]`.

import DICOM
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Runs `body` repeatedly for about `seconds`; returns calls per second.
func rate(seconds: Double = 1.0, _ body: () throws -> Void) rethrows -> Double {
    var calls = 0
    let start = now()
    var elapsed = 0.0
    repeat {
        try body()
        calls += 1
        elapsed = now() - start
    } while elapsed < seconds
    return Double(calls) / elapsed
}

func parseHeader(_ bytes: [UInt8]) throws -> Int {
    guard let header = try Part10Header.parse(bytes, isComplete: true) else { return 0 }
    var config = DataSetParser.Configuration()
    config.stopBefore = .pixelData
    let parser = try DataSetParser(transferSyntax: header.transferSyntax, configuration: config)
    parser.append(bytes[header.dataSetOffset...])
    parser.finish()
    var count = 0
    while try parser.next() != nil { count += 1 }
    return count
}

/// Copies `bytes` (the peer: the least any reader must do with them).
@inline(never)
func copyBaseline(_ bytes: [UInt8]) {
    var copy = [UInt8](repeating: 0, count: bytes.count)
    copy.withUnsafeMutableBytes { target in bytes.withUnsafeBytes { target.copyMemory(from: $0) } }
    blackHole(copy)
}

@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

func peakRSSKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }
    return -1
}

func resetPeakRSS() {
    // Writing 5 to clear_refs resets VmHWM (Linux ≥ 4.0).
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

/// Runs a program, returning wall time and its peak RSS in KiB.
func runPeer(_ path: String, _ arguments: [String]) throws -> (seconds: Double, rssKiB: Int, status: Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    let start = now()
    try process.run()
    process.waitUntilExit()
    let seconds = now() - start
    var usage = rusage()
    getrusage(__rusage_who_t(truncatingIfNeeded: RUSAGE_CHILDREN.rawValue), &usage)
    return (seconds, usage.ru_maxrss, process.terminationStatus)
}

func ctInstance() throws -> [UInt8] {
    var dataSet = DataSet()
    dataSet.set(.specificCharacterSet, .CS, "ISO_IR 100")
    dataSet.set(.imageType, .CS, "ORIGINAL\\PRIMARY\\AXIAL")
    dataSet.set(.sopClassUID, .UI, SOPClass.ctImageStorage.uid)
    dataSet.set(.sopInstanceUID, .UI, "2.25.100")
    dataSet.set(.studyDate, .DA, "20260101")
    dataSet.set(.modality, .CS, "CT")
    dataSet.set(.patientName, .PN, "Bench^Mark")
    dataSet.set(.patientID, .LO, "BENCH")
    dataSet.set(.studyInstanceUID, .UI, "2.25.1")
    dataSet.set(.seriesInstanceUID, .UI, "2.25.2")
    for (tag, value) in [(Tag.samplesPerPixel, 1), (.rows, 512), (.columns, 512), (.bitsAllocated, 16), (.bitsStored, 16), (.highBit, 15), (.pixelRepresentation, 1)] {
        dataSet[tag] = DataElement(tag: tag, vr: .US, bytes: [UInt8(value & 0xFF), UInt8(value >> 8)])
    }
    dataSet.set(.photometricInterpretation, .CS, "MONOCHROME2")
    dataSet.set(.rescaleIntercept, .DS, "-1024")
    dataSet.set(.rescaleSlope, .DS, "1")
    dataSet[.pixelData] = DataElement(tag: .pixelData, vr: .OW, bytes: (0..<(512 * 512 * 2)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    let file = DICOMFile(
        meta: FileMetaInformation(sopClassUID: SOPClass.ctImageStorage.uid, sopInstanceUID: "2.25.100", transferSyntax: .explicitVRLittleEndian),
        transferSyntax: .explicitVRLittleEndian, dataSet: dataSet)
    return try file.encoded()
}

func writeLarge(path: String, megabytes: Int) throws {
    let length = megabytes << 20
    var dataSet = DataSet()
    dataSet.set(.sopClassUID, .UI, SOPClass.multiFrameGrayscaleWordSecondaryCaptureImageStorage.uid)
    dataSet.set(.sopInstanceUID, .UI, "2.25.500")
    dataSet.set(.numberOfFrames, .IS, String(length / (512 * 512 * 2)))
    let meta = try FileMetaInformation.header(
        sopClassUID: SOPClass.multiFrameGrayscaleWordSecondaryCaptureImageStorage.uid, sopInstanceUID: "2.25.500",
        transferSyntax: .explicitVRLittleEndian, sourceAETitle: nil)
    var head = meta + (try DataSetWriter.encode(dataSet, transferSyntax: .explicitVRLittleEndian))
    head += [0xE0, 0x7F, 0x10, 0x00, 0x4F, 0x57, 0, 0]
    head += withUnsafeBytes(of: UInt32(length).littleEndian, Array.init)
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.write(contentsOf: Data(head))
    let block = Data(repeating: 0x5A, count: 4 << 20)
    for _ in 0..<(length / block.count) { try handle.write(contentsOf: block) }
    try handle.close()
}

func format(_ value: Double, _ digits: Int = 1) -> String {
    String(format: "%.\(digits)f", value)
}

let arguments = CommandLine.arguments
let corpusDir = arguments.count > 1 ? arguments[1] : (ProcessInfo.processInfo.environment["DICOM_GW_CORPUS"].map { $0 + "/pydicom" } ?? "../shared/corpus/pydicom")
let largeMiB = arguments.count > 2 ? Int(arguments[2]) ?? 500 : 500

// 1. Corpus header parse.
let names = ((try? FileManager.default.contentsOfDirectory(atPath: corpusDir)) ?? []).filter { $0.hasSuffix(".dcm") }.sorted()
var corpus: [[UInt8]] = []
for name in names {
    guard let data = FileManager.default.contents(atPath: corpusDir + "/" + name) else { continue }
    let bytes = [UInt8](data)
    if (try? parseHeader(bytes)) != nil { corpus.append(bytes) }
}
let corpusBytes = corpus.reduce(0) { $0 + $1.count }
let corpusRate = try rate { for file in corpus { _ = try parseHeader(file) } }
let corpusCopy = rate { for file in corpus { copyBaseline(file) } }
print("corpus: \(corpus.count) files, \(corpusBytes) bytes")
print("  header parse: \(format(corpusRate * Double(corpus.count), 0)) files/s, \(format(corpusRate * Double(corpusBytes) / 1e6)) MB/s"
    + "  | peer byte copy \(format(corpusCopy * Double(corpusBytes) / 1e6)) MB/s, ratio parse/copy \(format(corpusRate / corpusCopy, 3))")

// 2. A 512×512 16-bit CT instance.
let ct = try ctInstance()
let ctHeaderRate = try rate { _ = try parseHeader(ct) }
let ctFullRate = try rate {
    guard let header = try Part10Header.parse(ct, isComplete: true) else { return }
    let collector = try DataSetHeaderCollector(transferSyntax: header.transferSyntax)
    var offset = header.dataSetOffset
    while offset < ct.count {
        let end = min(offset + 16_372, ct.count)
        try ct.withUnsafeBytes { try collector.feed(UnsafeRawBufferPointer(rebasing: $0[offset..<end])) }
        offset = end
    }
    _ = try collector.finish()
}
let ctCopy = rate { copyBaseline(ct) }
let ctPath = FileManager.default.temporaryDirectory.appendingPathComponent("dicom-bench-ct-\(getpid()).dcm").path
try Data(ct).write(to: URL(fileURLWithPath: ctPath))
var dcmdumpTimes: [Double] = []
for _ in 0..<10 { dcmdumpTimes.append(try runPeer("/usr/bin/dcmdump", ["-q", "-M", ctPath]).seconds) }
try? FileManager.default.removeItem(atPath: ctPath)
let dcmdumpRate = 1 / (dcmdumpTimes.sorted()[dcmdumpTimes.count / 2])
print("CT 512x512x16: \(ct.count) bytes")
print("  header parse (stop before pixel data): \(format(ctHeaderRate, 0)) instances/s  | peer dcmdump -M (process per file) \(format(dcmdumpRate, 0))/s, ratio \(format(ctHeaderRate / dcmdumpRate, 0))x")
print("  pass-through collector, 16 KiB fragments: \(format(ctFullRate * Double(ct.count) / 1e6)) MB/s  | peer byte copy \(format(ctCopy * Double(ct.count) / 1e6)) MB/s, ratio \(format(ctFullRate / ctCopy, 3))")

// 3. Peak RSS while parsing a large instance.
let largePath = FileManager.default.temporaryDirectory.appendingPathComponent("dicom-bench-large-\(getpid()).dcm").path
try writeLarge(path: largePath, megabytes: largeMiB)
defer { try? FileManager.default.removeItem(atPath: largePath) }
resetPeakRSS()
let baseRSS = peakRSSKiB()
let start = now()
let reader = try DICOMFileReader(path: largePath)
var events = 0
while try reader.next() != nil { events += 1 }
let seconds = now() - start
let peak = peakRSSKiB()
let peer = try runPeer("/usr/bin/dcmdump", ["-q", "-M", largePath])

// The pass-through path reads every byte: network-sized fragments through the collector.
resetPeakRSS()
let passStart = now()
let collector = try DataSetHeaderCollector(transferSyntax: .explicitVRLittleEndian)
let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: largePath))
try handle.seek(toOffset: UInt64(reader.header.dataSetOffset))
while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
    try data.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let end = min(offset + 16_372, raw.count)
            try collector.feed(UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
            offset = end
        }
    }
}
_ = try collector.finish()
try handle.close()
let passSeconds = now() - passStart
let passPeak = peakRSSKiB()
print("large instance: \(largeMiB) MiB pixel data, \(events) events in \(format(seconds, 3)) s (\(reader.bytesRead) bytes read, \(reader.bytesSkipped) sought over)")
print("  peak RSS while parsing: \(peak / 1024) MiB (process baseline before parse \(baseRSS / 1024) MiB; target < 50 MiB)"
    + "  | peer dcmdump -M peak RSS \(peer.rssKiB / 1024) MiB in \(format(peer.seconds, 2)) s")
print("  pass-through of every byte in 16 KiB fragments: \(format(Double(collector.byteCount) / passSeconds / 1e6)) MB/s, peak RSS \(passPeak / 1024) MiB")
