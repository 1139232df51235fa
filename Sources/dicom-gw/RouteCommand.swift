import ArgumentParser
import Gateway

struct RouteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Manage routing rules: which received objects go to which destinations.",
        subcommands: [Add.self, List.self, Remove.self, Test.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a route.",
            discussion: "Example: dicom-gw route add ct-to-pacs --to pacs --modality CT --calling-ae CT1. "
                + "--where takes FIELD=VALUE, FIELD~REGEX, FIELD? (present) or FIELD! (absent); FIELD is calling_ae, "
                + "called_ae, modality, sop_class, a tag keyword (PatientID) or gggg,eeee.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Its name.") var name: String
        @Option(name: .long, parsing: .singleValue, help: "Destination name (repeatable).") var to: [String] = []
        @Option(name: .long, help: "Calling AE title equals.") var callingAE: String?
        @Option(name: .long, help: "Called AE title equals.") var calledAE: String?
        @Option(name: .long, help: "Modality equals.") var modality: String?
        @Option(name: .long, help: "SOP Class UID equals.") var sopClass: String?
        @Option(name: .long, parsing: .singleValue, help: "Further condition (repeatable).") var `where`: [String] = []
        @Option(name: .long, help: "immediate or study-stable.") var mode: String = "immediate"
        @Option(name: .long, help: "Study-stable quiet period in seconds.") var stableSeconds: Int = 60
        @Option(name: .long, help: "keep, archive or delete once every route finished.") var archive: String = "keep"
        @Option(name: .long, help: "Lower runs first.") var priority: Int = 100

        func run() async throws {
            var route = Route(name: name, destinations: to)
            if let callingAE { route.conditions.append(try RouteCondition(field: "calling_ae", test: .equals(callingAE))) }
            if let calledAE { route.conditions.append(try RouteCondition(field: "called_ae", test: .equals(calledAE))) }
            if let modality { route.conditions.append(try RouteCondition(field: "modality", test: .equals(modality))) }
            if let sopClass { route.conditions.append(try RouteCondition(field: "sop_class", test: .equals(sopClass))) }
            for text in `where` { route.conditions.append(try RouteCondition(parsing: text)) }
            guard let parsed = Route.Mode(name: mode) else { throw ValidationError("--mode is immediate or study-stable") }
            route.mode = parsed
            route.stableSeconds = parsed == .studyStable ? stableSeconds : 0
            route.archivePolicy = archive
            route.priority = priority
            let finished = route
            try await options.withPool { try await RouteStore(pool: $0).save(finished, actor: .user(CLIUser.name)) }
            print("added route \(name)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List routes.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let routes = try await options.withPool { try await RouteStore(pool: $0).list() }
            if routes.isEmpty { print("no route defined: nothing is forwarded") }
            for r in routes {
                let conditions = r.conditions.isEmpty ? "(everything)" : r.conditions.map(\.description).joined(separator: " and ")
                let mode = r.mode == .studyStable ? "study-stable \(r.stableSeconds)s" : "immediate"
                print("\(r.name)\t\(r.enabled ? "enabled" : "disabled")\t\(conditions) -> \(r.destinations.joined(separator: ","))\t\(mode)\tarchive=\(r.archivePolicy)\t\(r.source)")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a route.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Its name.") var name: String

        func run() async throws {
            try await options.withPool { try await RouteStore(pool: $0).remove(name: name, actor: .user(CLIUser.name)) }
            print("removed route \(name)")
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show which destinations FILE would go to, and why.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "A DICOM Part 10 file.") var file: String
        @Option(name: .long, help: "Pretend it came from this calling AE title.") var callingAE: String?
        @Option(name: .long, help: "Pretend it was sent to this called AE title.") var calledAE: String?

        func run() async throws {
            let attributes = try RoutingAttributes(file: file, callingAE: callingAE, calledAE: calledAE)
            let routes = try await options.withPool { try await RouteStore(pool: $0).list() }
            var destinations: [String] = []
            for route in routes {
                let (matches, failed) = route.evaluate(attributes)
                if matches {
                    print("route \(route.name): matches -> \(route.destinations.joined(separator: ", "))")
                    destinations += route.destinations.filter { !destinations.contains($0) }
                } else if let failed {
                    print("route \(route.name): no, \(failed) fails (value: \(attributes.value(of: failed.field).map { "'\($0)'" } ?? "absent"))")
                } else {
                    print("route \(route.name): no, disabled")
                }
            }
            print(destinations.isEmpty ? "=> not forwarded" : "=> forwarded to \(destinations.joined(separator: ", "))")
        }
    }
}
