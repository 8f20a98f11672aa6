import Foundation
import Logging
import PolyphonyCore
import Synchronization

/// Answers from a ``ResponseCache`` when it can and asks the wrapped backend otherwise,
/// storing what it gets.
///
/// A hit returns the stored response (text, usage, latency and attempts as first answered), so
/// a re-run's transcript matches the original, marked ``ChatResponse/cached`` and without the
/// retries of the original request, which did not happen again. Only complete answers are stored: errors and
/// responses that finished with ``FinishReason/error`` or ``FinishReason/cancelled`` are not.
/// A cache that cannot be written (full disk, read-only folder) costs the cache, never the
/// answer: the first such failure is reported through `warn` (stderr by default), the
/// answer is returned all the same.
public struct CachingChatBackend: ChatBackend {
    public var name: String { base.name }
    public var defaultModel: String { base.defaultModel }
    /// The backend asked on a miss.
    public let base: any ChatBackend
    /// The kind that goes into cache keys.
    public let kind: BackendConfiguration.Kind
    /// Which weights stand behind the model name, when the name alone does not say: a local
    /// entry's alias stays the same when its GGUF file is replaced. Part of every key.
    public let modelVariant: String?
    /// The store.
    public let cache: ResponseCache

    private let warning: WarnOnce
    private let logger: Logger

    /// Wraps `base`; `kind` (and `modelVariant`, when given) go into every cache key.
    /// - Parameters:
    ///   - warn: Receives a one-line warning the first time an entry cannot be stored.
    ///   - logger: Receives a line per cache hit (debug); logs nothing by default.
    public init(
        base: any ChatBackend, kind: BackendConfiguration.Kind, modelVariant: String? = nil, cache: ResponseCache,
        warn: @escaping @Sendable (String) -> Void = CachingChatBackend.warnOnStandardError,
        logger: Logger = .disabled
    ) {
        var logger = logger
        logger[metadataKey: "backend"] = "\(base.name)"
        self.logger = logger
        self.base = base
        self.kind = kind
        self.modelVariant = modelVariant
        self.cache = cache
        self.warning = WarnOnce(warn)
    }

    /// Writes `polyphony: warning: MESSAGE` to stderr.
    public static let warnOnStandardError: @Sendable (String) -> Void = { message in
        StandardError.writeLine("polyphony: warning: \(message)")
    }

    /// The cache key this backend uses for `request`.
    public func key(for request: ChatRequest) -> String {
        let model = request.model ?? defaultModel
        return ResponseCache.key(for: request, kind: kind, model: modelVariant.map { "\(model)@\($0)" } ?? model)
    }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let key = key(for: request)
        if let hit = cache.lookup(key) { return served(hit, key: key) }
        let response = try await base.complete(request)
        storeIfComplete(response, key: key)
        return response
    }

    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatStreamEvent, any Error> {
        let key = key(for: request)
        if let stored = cache.lookup(key) {
            let hit = served(stored, key: key)
            return producedStream { continuation in
                continuation.yield(.delta(hit.text))
                continuation.yield(.completed(hit))
            }
        }
        return producedStream { continuation in
            for try await event in base.stream(request) {
                if case .completed(let response) = event { storeIfComplete(response, key: key) }
                continuation.yield(event)
            }
        }
    }

    /// A stored answer as served from the cache, logged as a hit.
    private func served(_ stored: ChatResponse, key: String) -> ChatResponse {
        logger.debug("response cache hit", metadata: ["key": "\(key.prefix(16))"])
        return Self.marked(stored)
    }

    private static func marked(_ stored: ChatResponse) -> ChatResponse {
        var hit = stored
        hit.cached = true
        hit.retries = nil
        return hit
    }

    private func storeIfComplete(_ response: ChatResponse, key: String) {
        guard response.finishReason != .error, response.finishReason != .cancelled else { return }
        do {
            try cache.store(response, forKey: key)
        } catch {
            warning.report("response cache not written, answers are not cached: \(error) (further cache failures are not reported)")
        }
    }
}

/// Passes on the first report only.
private final class WarnOnce: Sendable {
    private let warned = Mutex(false)
    private let warn: @Sendable (String) -> Void

    init(_ warn: @escaping @Sendable (String) -> Void) { self.warn = warn }

    func report(_ message: String) {
        let first = warned.withLock { warned in
            defer { warned = true }
            return !warned
        }
        if first { warn(message) }
    }
}
