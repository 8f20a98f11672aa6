import Foundation
import Logging
import PolyphonyCore

/// An ``Embedder`` backed by a model server's embedding endpoint: OpenAI-compatible
/// `/embeddings` or Ollama's `/api/embed`, with the same retries and limits as chat.
public struct HTTPEmbedder: Embedder {
    /// `BACKEND/MODEL`, e.g. `openai/text-embedding-3-small`.
    public let name: String
    public var isSemantic: Bool { true }
    /// Texts sent per HTTP request; bigger inputs go in several requests, in order.
    public let batchSize: Int
    private let model: String
    private let requester: BackendRequester

    /// - Parameters:
    ///   - configuration: An entry of kind `openai` or `ollama` with an `embedding_model`.
    ///   - apiKey: The key read from `api_key_env`, if any.
    ///   - transport: Defaults to a ``CurlTransport`` sized to `max_concurrency`.
    ///   - limiter: Pass the chat backend's limiter to share one bound.
    ///   - clock: What retry backoff (and a default limiter) waits on; tests pass a manual clock.
    ///   - logger: Receives failed attempts, backoff and waits for a slot; logs nothing by default.
    /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` when the entry cannot embed.
    public init(
        configuration: BackendConfiguration, apiKey: String?, transport: (any HTTPTransport)? = nil,
        limiter: RateLimiter? = nil, batchSize: Int = 128, clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger = .disabled
    ) throws {
        guard configuration.kind == .openai || configuration.kind == .ollama else {
            throw PolyphonyError.invalidInput(
                "backend \(configuration.name): kind \(configuration.kind.rawValue) has no embedding endpoint polyphony can use; use an openai or ollama entry with embedding_model"
            )
        }
        guard let model = configuration.embeddingModel, !model.isEmpty else {
            throw PolyphonyError.invalidInput("backend \(configuration.name): no embedding_model is set")
        }
        self.model = model
        self.name = "\(configuration.name)/\(model)"
        self.batchSize = max(1, batchSize)
        self.requester = BackendRequester(
            configuration: configuration, apiKey: apiKey, transport: transport, limiter: limiter, clock: clock, logger: logger
        )
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        for start in stride(from: 0, to: texts.count, by: batchSize) {
            let batch = Array(texts[start..<min(start + batchSize, texts.count)])
            let outgoing = try makeRequest(batch)
            let (batchVectors, _, _) = try await requester.withRetries { try await attempt(outgoing, expected: batch.count) }
            vectors += batchVectors
        }
        return vectors
    }

    private func makeRequest(_ batch: [String]) throws -> HTTPOutgoingRequest {
        let path = requester.configuration.kind == .ollama ? "/api/embed" : "/embeddings"
        guard let url = URL(string: requester.baseURL + path) else {
            throw PolyphonyError.invalidInput("backend \(requester.name): base_url does not make a valid URL: \(requester.baseURL)")
        }
        var headers = ["Content-Type": "application/json"]
        if let apiKey = requester.apiKey { headers["Authorization"] = "Bearer \(apiKey)" }
        let body = JSONValue.object(["model": .string(model), "input": .array(batch.map(JSONValue.string))])
        return HTTPOutgoingRequest(url: url, headers: headers, body: DialectSupport.json(body))
    }

    private func attempt(_ outgoing: HTTPOutgoingRequest, expected: Int) async throws -> [[Float]] {
        let (head, body) = try await requester.sendOnce(outgoing)
        do {
            let vectors = try decode(body)
            guard vectors.count == expected else {
                throw DialectError("expected \(expected) embeddings, got \(vectors.count)")
            }
            return vectors
        } catch let error as DialectError {
            throw AttemptFailure(.backend(
                "malformed embedding response: \(requester.scrub(error.description))", backend: requester.name,
                status: head.status, isRetryable: true
            ))
        }
    }

    private func decode(_ body: Data) throws -> [[Float]] {
        let value = try DialectSupport.parse(body, what: "embedding response")
        func vector(_ item: JSONValue?) throws -> [Float] {
            guard let numbers = item?.arrayValue else { throw DialectError("an embedding is not an array of numbers") }
            return try numbers.map {
                guard let number = $0.doubleValue else { throw DialectError("an embedding holds a non-number") }
                return Float(number)
            }
        }
        if let embeddings = value["embeddings"]?.arrayValue {
            return try embeddings.map { try vector($0) }
        }
        guard let data = value["data"]?.arrayValue else {
            throw DialectError("embedding response has neither data nor embeddings: \(DialectError.excerpt(body))")
        }
        let indexed = try data.enumerated().map { offset, item in
            (DialectSupport.int(item["index"]) ?? offset, try vector(item["embedding"]))
        }
        return indexed.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
