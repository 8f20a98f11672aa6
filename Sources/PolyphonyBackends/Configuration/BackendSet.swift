import Foundation
import Logging
import PolyphonyCore
import Synchronization

/// The backends of one session, made on first use and then shared, so every agent naming an
/// entry goes through that entry's one rate limiter and connection pool.
///
/// An entry's chat backend and embedder share one limiter too: `max_concurrency` and
/// `requests_per_minute` bound the entry as a whole.
public final class BackendSet: Sendable {
    /// The entries backends are made from.
    public let file: BackendsFile
    private let environment: [String: String]
    private let cacheDirectory: String?
    private let localServers: LocalModelServers?
    private let logger: Logger
    private let made = Mutex<Made>(Made())

    private struct Made {
        var limiters: [String: RateLimiter] = [:]
        var backends: [String: any ChatBackend] = [:]
        var embedders: [String: any Embedder] = [:]
    }

    /// - Parameters:
    ///   - file: The resolved backends file (built-ins included).
    ///   - environment: Where `api_key_env` variables are read.
    ///   - cacheDirectory: The response cache, or `nil` for `--no-cache`.
    ///   - localServers: Where `kind: local` entries start their servers (``withLocalModelServers(environment:_:)``);
    ///     without it such entries cannot be used.
    ///   - logger: Receives every backend's retries, backoff, waits for a slot and cache hits; logs nothing by default.
    public init(
        file: BackendsFile, environment: [String: String], cacheDirectory: String?, localServers: LocalModelServers? = nil,
        logger: Logger = .disabled
    ) {
        self.logger = logger
        self.file = file
        self.environment = environment
        self.cacheDirectory = cacheDirectory
        self.localServers = localServers
    }

    /// The chat backend for entry `name`, the same instance on every call.
    ///
    /// Making it checks what can be checked before a session starts: the key variable is
    /// set, a local runtime is installed, a server named on loopback is listening.
    /// - Throws: ``PolyphonyError`` for an unknown name, an unset key variable, a missing
    ///   local runtime or a loopback server that is not running.
    public func backend(named name: String) throws -> any ChatBackend {
        let config = try file.entry(named: name)
        if made.withLock({ $0.backends[name] }) == nil { try preflight(config) }
        return try made.withLock { made in
            if let existing = made.backends[name] { return existing }
            let backend: any ChatBackend
            if config.kind == .local {
                let servers = try servers(for: config)
                let local = LocalChatBackend(configuration: config, servers: servers, limiter: limiter(for: config, in: &made), logger: logger)
                if let cacheDirectory {
                    backend = CachingChatBackend(
                        base: local, kind: .local, modelVariant: try servers.modelIdentity(), cache: ResponseCache(directory: cacheDirectory), logger: logger
                    )
                } else {
                    backend = local
                }
            } else {
                backend = try makeBackend(config, environment: environment, cacheDirectory: cacheDirectory, limiter: limiter(for: config, in: &made), logger: logger)
            }
            made.backends[name] = backend
            return backend
        }
    }

    /// The embedder for entry `name`, the same instance on every call.
    /// - Throws: ``PolyphonyError`` when the entry cannot embed or its key variable is unset.
    public func embedder(named name: String) throws -> any Embedder {
        let config = try file.entry(named: name)
        if made.withLock({ $0.embedders[name] }) == nil { try preflight(config) }
        return try made.withLock { made in
            if let existing = made.embedders[name] { return existing }
            let embedder: any Embedder
            if config.kind == .local {
                let servers = try servers(for: config)
                embedder = LocalEmbedder(
                    configuration: config, servers: servers, modelVariant: try servers.modelIdentity(), limiter: limiter(for: config, in: &made), logger: logger
                )
            } else {
                embedder = try makeEmbedder(config, environment: environment, limiter: limiter(for: config, in: &made), logger: logger)
            }
            made.embedders[name] = embedder
            return embedder
        }
    }

    /// The checks a backend passes before any request: outside the lock, since a probe
    /// may wait for a connect.
    private func preflight(_ config: BackendConfiguration) throws {
        if config.kind == .local {
            try servers(for: config).checkRuntime()
        } else {
            _ = try apiKey(for: config, environment: environment)
            try LoopbackProbe.check(config)
        }
    }

    private func servers(for config: BackendConfiguration) throws -> LocalModelServers {
        guard let localServers else {
            throw PolyphonyError.backend("kind local needs a managed server scope here; this command cannot start one", backend: config.name)
        }
        return localServers
    }

    private func limiter(for config: BackendConfiguration, in made: inout Made) -> RateLimiter {
        if let limiter = made.limiters[config.name] { return limiter }
        let limiter = RateLimiter(maxConcurrent: config.maxConcurrency, requestsPerMinute: config.requestsPerMinute)
        made.limiters[config.name] = limiter
        return limiter
    }
}
