import Foundation
import Logging
import PolyphonyCore
import Synchronization

/// The embedder of a `kind: local` entry, on a managed embeddings server of the same model (mean pooling).
public final class LocalEmbedder: Embedder, Sendable {
    public let name: String
    /// ``name`` and the model file's identity: the alias stays when the GGUF is replaced.
    public let cacheKey: String
    public var isSemantic: Bool { true }
    private let configuration: BackendConfiguration
    private let servers: LocalModelServers
    private let limiter: RateLimiter?
    private let logger: Logger
    private let inner = Mutex<HTTPEmbedder?>(nil)

    init(configuration: BackendConfiguration, servers: LocalModelServers, modelVariant: String, limiter: RateLimiter?, logger: Logger) {
        self.name = "\(configuration.name)/\(configuration.embeddingModel ?? configuration.model)"
        self.cacheKey = "\(name)@\(modelVariant)"
        self.configuration = configuration
        self.servers = servers
        self.limiter = limiter
        self.logger = logger
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        if let existing = inner.withLock({ $0 }) { return try await existing.embed(texts) }
        let client = try HTTPEmbedder(
            configuration: try await servers.openAIConfiguration(for: configuration, purpose: .embeddings), apiKey: nil, limiter: limiter, logger: logger
        )
        inner.withLock { $0 = $0 ?? client }
        return try await client.embed(texts)
    }
}
