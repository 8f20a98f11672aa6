import Foundation
import PolyphonyCore

/// Answers from a ``ResponseCache`` when it can and asks the wrapped backend otherwise,
/// storing what it gets.
///
/// A hit returns the stored response unchanged (latency and attempts included), so a
/// re-run's transcript matches the original. Only complete answers are stored: errors and
/// responses that finished with ``FinishReason/error`` or ``FinishReason/cancelled`` are not.
public struct CachingChatBackend: ChatBackend {
    public var name: String { base.name }
    public var defaultModel: String { base.defaultModel }
    /// The backend asked on a miss.
    public let base: any ChatBackend
    /// The kind that goes into cache keys.
    public let kind: BackendConfiguration.Kind
    /// The store.
    public let cache: ResponseCache

    /// Wraps `base`; `kind` goes into every cache key.
    public init(base: any ChatBackend, kind: BackendConfiguration.Kind, cache: ResponseCache) {
        self.base = base
        self.kind = kind
        self.cache = cache
    }

    /// The cache key this backend uses for `request`.
    public func key(for request: ChatRequest) -> String {
        ResponseCache.key(for: request, kind: kind, model: request.model ?? defaultModel)
    }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let key = key(for: request)
        if let hit = cache.lookup(key) { return hit }
        let response = try await base.complete(request)
        try storeIfComplete(response, key: key)
        return response
    }

    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatStreamEvent, any Error> {
        let key = key(for: request)
        if let hit = cache.lookup(key) {
            return producedStream { continuation in
                continuation.yield(.delta(hit.text))
                continuation.yield(.completed(hit))
            }
        }
        return producedStream { continuation in
            for try await event in base.stream(request) {
                if case .completed(let response) = event { try storeIfComplete(response, key: key) }
                continuation.yield(event)
            }
        }
    }

    private func storeIfComplete(_ response: ChatResponse, key: String) throws {
        guard response.finishReason != .error, response.finishReason != .cancelled else { return }
        try cache.store(response, forKey: key)
    }
}
