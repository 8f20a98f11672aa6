import Foundation

/// Finds an executable of this package built beside the running test bundle or benchmark.
package enum BuiltExecutable {
    /// The executable `name` in the first folder above this process's binary that holds one,
    /// else `.build/debug/NAME`.
    package static func url(named name: String) -> URL {
        let running = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: running).deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/" + name)
    }
}
