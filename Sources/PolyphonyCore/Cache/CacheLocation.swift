import Foundation

/// Where Polyphony keeps what it can rebuild: the local runtime, model weights, LLM responses
/// and embeddings. One root, so `rm -rf` of it resets everything, and the set-up scripts use
/// the same rule (`scripts/lib.sh`).
package enum CacheLocation {
    /// `$POLYPHONY_CACHE`, else `$XDG_CACHE_HOME/polyphony`, else `~/.cache/polyphony`.
    package static func root(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let cache = environment["POLYPHONY_CACHE"], !cache.isEmpty { return cache }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return (xdg as NSString).appendingPathComponent("polyphony") }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".cache/polyphony")
    }

    /// A folder under the root, e.g. `responses` or `embeddings`.
    package static func folder(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        (root(environment: environment) as NSString).appendingPathComponent(name)
    }
}
