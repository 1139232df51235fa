/// `--name value` options of the queue-bench command line.
struct Options {
    private var values: [String: String] = [:]
    private(set) var flags: Set<String> = []

    init(_ arguments: ArraySlice<String>) throws {
        var i = arguments.startIndex
        while i < arguments.endIndex {
            let arg = arguments[i]
            guard arg.hasPrefix("--") else { throw BenchError("unexpected argument \(arg)") }
            let name = String(arg.dropFirst(2))
            let next = arguments.index(after: i)
            if next < arguments.endIndex, !arguments[next].hasPrefix("--") {
                values[name] = arguments[next]
                i = arguments.index(after: next)
            } else {
                flags.insert(name)
                i = next
            }
        }
    }

    func string(_ name: String) throws -> String {
        guard let v = values[name] else { throw BenchError("missing --\(name)") }
        return v
    }

    func string(_ name: String, default value: String) -> String { values[name] ?? value }

    func int(_ name: String, default value: Int) throws -> Int {
        guard let s = values[name] else { return value }
        guard let v = Int(s) else { throw BenchError("--\(name) wants an integer, got \(s)") }
        return v
    }

    func double(_ name: String, default value: Double) throws -> Double {
        guard let s = values[name] else { return value }
        guard let v = Double(s) else { throw BenchError("--\(name) wants a number, got \(s)") }
        return v
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
