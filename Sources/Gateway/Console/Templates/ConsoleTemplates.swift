/// The console's Mustache templates, compiled into the binary (the RPM installs only the
/// executable). One file per template under `Templates/`, each an extension adding one
/// constant; every page inherits `layout` and fills its `content` block.
enum ConsoleTemplates {
    /// Every template by name.
    static var all: [(String, String)] {
        [
            ("layout", layout), ("login", login), ("error", error), ("dashboard", dashboard), ("studies", studies),
            ("study", study), ("jobs", jobs), ("jobs-confirm", jobsConfirm), ("destinations", destinations),
            ("destination-form", destinationForm), ("routes", routes), ("route-form", routeForm), ("users", users),
            ("audit", audit), ("tls", tls),
        ]
    }
}
