import Foundation
import Logging
import PolyphonyCore
import Synchronization

/// A `kind: local` entry: an OpenAI-compatible client for a llama-server that Polyphony
/// starts on first use and stops with the command.
///
/// The server has `max_concurrency` slots and decodes their requests together, so the
/// limiter lets that many through at once; answers stream, with usage in the last chunk.
public final class LocalChatBackend: ChatBackend, Sendable {
    public let name: String
    public var defaultModel: String { configuration.model }
    private let configuration: BackendConfiguration
    private let servers: LocalModelServers
    private let limiter: RateLimiter?
    private let logger: Logger
    private let inner = Mutex<HTTPChatBackend?>(nil)

    init(configuration: BackendConfiguration, servers: LocalModelServers, limiter: RateLimiter?, logger: Logger) {
        self.logger = logger
        self.name = configuration.name
        self.configuration = configuration
        self.servers = servers
        self.limiter = limiter
    }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        try await client().complete(request)
    }

    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatStreamEvent, any Error> {
        producedStream { continuation in
            for try await event in try await self.client().stream(request) { continuation.yield(event) }
        }
    }

    private func client() async throws -> HTTPChatBackend {
        if let existing = inner.withLock({ $0 }) { return existing }
        let client = try HTTPChatBackend(configuration: try await servers.openAIConfiguration(for: configuration), apiKey: nil, limiter: limiter, logger: logger)
        return inner.withLock { inner in
            if let raced = inner { return raced }
            inner = client
            return client
        }
    }
}
