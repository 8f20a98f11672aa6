import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds an executable of this package built beside the running test bundle or benchmark.
package enum BuiltExecutable {
    /// Writing to the stdin of a child that has already exited (a command refusing its
    /// arguments before reading input) raises SIGPIPE, whose default action kills the whole
    /// test process with every test in it. Ignored, the write fails with EPIPE instead. Set
    /// once, before any child this package starts.
    private static let brokenPipesIgnored: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// The executable `name` in the first folder above this process's binary that holds one,
    /// else `.build/debug/NAME`.
    package static func url(named name: String) -> URL {
        _ = brokenPipesIgnored
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
