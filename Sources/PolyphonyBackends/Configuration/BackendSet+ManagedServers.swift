import Logging
import PolyphonyCore

extension BackendSet {
    /// Runs `body` with the entries of `file`, whose managed local servers start on first use
    /// and stop when `body` ends, on success, on error and on cancellation. Every command that
    /// talks to a model gets its backends this way.
    /// - Parameters:
    ///   - cacheDirectory: The response cache folder, or `nil` for no cache.
    ///   - threads: Generation threads for managed local servers (`--threads`), or the default.
    public static func withManagedServers<Result: Sendable>(
        file: BackendsFile, environment: [String: String], cacheDirectory: String?, threads: Int? = nil,
        logger: Logger = .disabled, _ body: (BackendSet) async throws -> Result
    ) async throws -> Result {
        try await withLocalModelServers(environment: environment, threads: threads) { servers in
            try await body(BackendSet(
                file: file, environment: environment, cacheDirectory: cacheDirectory, localServers: servers, logger: logger
            ))
        }
    }
}
