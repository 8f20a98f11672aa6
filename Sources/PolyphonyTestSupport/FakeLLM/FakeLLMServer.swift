import Foundation
import PolyphonyBackends
import PolyphonyCore
import Synchronization

/// An in-process LLM server on 127.0.0.1 that speaks the OpenAI, Anthropic, Ollama and
/// Gemini wire formats, for end-to-end tests and benchmarks that must not touch a real provider.
///
/// Routes (POST): `…/chat/completions` and `…/embeddings` (OpenAI), `…/messages`
/// (Anthropic), `/api/chat` and `/api/embed` (Ollama), `…/models/MODEL:generateContent`
/// and `…/models/MODEL:streamGenerateContent?alt=sse` (Gemini). Each answers in JSON, or
/// streams (SSE, or NDJSON for Ollama) when the request asks for it.
///
/// Answers come from a ``Responder`` (by default ``numberedIdeas(_:)``: three short ideas
/// derived from the last user message and the seed), so a test can predict them exactly.
/// Embeddings are deterministic hashed bags of words (``embedding(for:dimensions:)``).
///
/// ```swift
/// let server = try FakeLLMServer(options: .init(latency: .milliseconds(30)))
/// defer { server.stop() }
/// let config = server.configuration(name: "fake", kind: .openai)   // base_url points here
/// server.inject(.rateLimited(retryAfter: "1"))                      // the next request gets a 429
/// ```
///
/// Point the CLI at it by writing `server.configuration(…)` values into a backends file,
/// or with `server.backendsYAML(kinds:)`.
package final class FakeLLMServer: Sendable {
    /// Produces the answer text for a prompt. Called on a server thread; must be thread-safe.
    package typealias Responder = @Sendable (FakeLLMPrompt) -> String

    /// How the fake behaves for every request.
    package struct Options: Sendable {
        /// Waited before the first byte of every answer (chat and embeddings).
        package var latency: Duration
        /// Waited between the frames of a streamed answer.
        package var streamChunkDelay: Duration
        /// How streamed bodies are delimited.
        package var framing: LoopbackResponseWriter.Framing
        /// How many pieces a streamed answer is cut into (at least 2).
        package var streamPieces: Int
        /// Length of every embedding vector.
        package var embeddingDimensions: Int
        /// When set, requests must carry this key in the dialect's header
        /// (`Authorization: Bearer`, `x-api-key`, `x-goog-api-key`) or get a 401.
        package var requiredAPIKey: String?
        /// Share of requests (0…1) that get a random retryable fault (429, 500, 529, a dropped stream, or a malformed 200).
        package var randomFaultRate: Double
        /// Seed of the random-fault generator, so a faulty run repeats exactly.
        package var randomFaultSeed: UInt64

        /// - Parameters: see the properties of the same names.
        package init(
            latency: Duration = .zero, streamChunkDelay: Duration = .zero,
            framing: LoopbackResponseWriter.Framing = .chunked, streamPieces: Int = 6,
            embeddingDimensions: Int = 64, requiredAPIKey: String? = nil,
            randomFaultRate: Double = 0, randomFaultSeed: UInt64 = 0
        ) {
            self.latency = latency
            self.streamChunkDelay = streamChunkDelay
            self.framing = framing
            self.streamPieces = max(2, streamPieces)
            self.embeddingDimensions = max(1, embeddingDimensions)
            self.requiredAPIKey = requiredAPIKey
            self.randomFaultRate = randomFaultRate
            self.randomFaultSeed = randomFaultSeed
        }
    }

    private struct State {
        var faults: [FakeLLMFault] = []
        var recorded: [FakeLLMRecordedRequest] = []
        var random: SplitMix64
    }

    /// The options the server was started with.
    package let options: Options
    private let responder: Responder
    private let state: Mutex<State>
    // Set once in init, right after the server exists; the handler reads it.
    private let http: LoopbackHTTPServer
    private let box: HandlerBox

    /// Starts the server on 127.0.0.1 at a free port.
    /// - Parameters:
    ///   - options: Latency, streaming shape, embedding size, key checks and random faults.
    ///   - responder: Produces answer texts; defaults to ``numberedIdeas(_:)``.
    /// - Throws: ``LoopbackServerError`` when the socket cannot be set up.
    package init(options: Options = Options(), responder: @escaping Responder = FakeLLMServer.numberedIdeas) throws {
        self.options = options
        self.responder = responder
        self.state = Mutex(State(random: SplitMix64(seed: options.randomFaultSeed)))
        let box = HandlerBox()
        self.box = box
        self.http = try LoopbackHTTPServer { request, writer in box.server?.handle(request, writer) }
        box.server = self
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    package var baseURL: String { http.baseURL }
    /// The TCP port.
    package var port: Int { http.port }
    /// Requests being answered right now.
    package var inFlight: Int { http.inFlight }
    /// The most requests ever answered at once since start or ``resetStatistics()``.
    package var maxInFlight: Int { http.maxInFlight }
    /// Requests received since start or ``resetStatistics()``.
    package var requestCount: Int { http.requestCount }
    /// Answers during which the client hung up (for example a cancelled stream).
    package var clientDisconnectCount: Int { http.clientDisconnectCount }
    /// How long at least one request was being answered since start or ``resetStatistics()``;
    /// see ``LoopbackHTTPServer/busyTime``.
    package var busyTime: Duration { http.busyTime }
    /// Every request received, oldest first.
    package var recordedRequests: [FakeLLMRecordedRequest] { state.withLock { $0.recorded } }

    /// The `base_url` a backend of `kind` should use to reach this server
    /// (`…/v1` for OpenAI, `…/v1beta` for Gemini, the bare root otherwise).
    package func baseURL(for kind: BackendConfiguration.Kind) -> String {
        switch kind {
        case .openai, .local: baseURL + "/v1"
        case .gemini: baseURL + "/v1beta"
        case .anthropic, .ollama: baseURL
        }
    }

    /// A backends-file entry pointing at this server.
    /// - Parameters:
    ///   - name: The entry name.
    ///   - kind: The dialect to speak.
    ///   - model: Any model name; the fake echoes it back.
    ///   - apiKeyEnvironmentVariable: The variable the client reads its key from, if any.
    package func configuration(
        name: String, kind: BackendConfiguration.Kind, model: String = "fake-model",
        apiKeyEnvironmentVariable: String? = nil, maxConcurrency: Int = 8, maxAttempts: Int = 3,
        retryBaseDelaySeconds: Double = 0.01
    ) -> BackendConfiguration {
        BackendConfiguration(
            name: name, kind: kind, baseURL: baseURL(for: kind), model: model,
            embeddingModel: kind == .openai || kind == .ollama ? "fake-embed" : nil,
            apiKeyEnvironmentVariable: apiKeyEnvironmentVariable, maxConcurrency: maxConcurrency,
            connectTimeoutSeconds: 5, firstByteTimeoutSeconds: 30, totalTimeoutSeconds: 60,
            maxAttempts: maxAttempts, retryBaseDelaySeconds: retryBaseDelaySeconds
        )
    }

    /// A backends file (YAML) with one entry per kind, named after the kind, pointing here.
    /// - Parameter apiKeyEnvironmentVariable: Written as every entry's `api_key_env` when set.
    package func backendsYAML(
        kinds: [BackendConfiguration.Kind] = [.openai, .anthropic, .ollama, .gemini],
        model: String = "fake-model", apiKeyEnvironmentVariable: String? = nil
    ) -> String {
        var yaml = "backends:\n"
        for kind in kinds {
            yaml += "  \(kind.rawValue):\n    kind: \(kind.rawValue)\n    base_url: \(baseURL(for: kind))\n    model: \(model)\n"
            if kind == .openai || kind == .ollama { yaml += "    embedding_model: fake-embed\n" }
            if let apiKeyEnvironmentVariable { yaml += "    api_key_env: \(apiKeyEnvironmentVariable)\n" }
            yaml += "    max_attempts: 3\n    retry_base_delay: 0.01\n"
        }
        return yaml
    }

    /// Queues `fault` for the next `times` chat or embedding requests, after faults already queued.
    package func inject(_ fault: FakeLLMFault, times: Int = 1) {
        state.withLock { $0.faults.append(contentsOf: Array(repeating: fault, count: max(0, times))) }
    }

    /// Zeroes the request counters and the in-flight maximum, and forgets recorded requests.
    package func resetStatistics() {
        http.resetStatistics()
        state.withLock { $0.recorded.removeAll() }
    }

    /// Stops the server and cuts open connections. Idempotent.
    package func stop() {
        http.stop()
        box.server = nil
    }

    /// The default responder: a numbered list of three short ideas that depends only on the
    /// last user message, the model and the seed.
    package static func numberedIdeas(_ prompt: FakeLLMPrompt) -> String {
        let topic = topicPhrase(prompt.lastUserMessage)
        let digest = SHA256.hex("\(prompt.lastUserMessage)|\(prompt.model)|\(prompt.seed.map(String.init) ?? "-")")
        let bytes = Array(digest.utf8)
        var chosen: [String] = []
        var cursor = 0
        while chosen.count < 3 {
            let index = Int(bytes[cursor % bytes.count]) &+ cursor
            let candidate = ideaPool[index % ideaPool.count]
            if !chosen.contains(candidate) { chosen.append(candidate) }
            cursor += 1
        }
        return chosen.enumerated().map { "\($0.offset + 1). A \($0.element) for \(topic)." }.joined(separator: "\n")
    }

    /// A deterministic unit vector for `text`: a hashed bag of its lower-cased words,
    /// so texts sharing words are closer than texts that share none.
    package static func embedding(for text: String, dimensions: Int) -> [Float] {
        var vector = [Float](repeating: 0, count: max(1, dimensions))
        let words = text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        for word in words {
            let hash = Array(SHA256.hex(String(word)).utf8)
            var value: UInt64 = 0
            for byte in hash.prefix(16) { value = value &* 31 &+ UInt64(byte) }
            let slot = Int(value % UInt64(vector.count))
            vector[slot] += (value >> 40) & 1 == 0 ? 1 : -1
        }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm == 0 {
            vector[0] = 1
            return vector
        }
        return vector.map { $0 / norm }
    }

    private static let ideaPool = [
        "community garden", "mobile app", "subscription box", "open-source toolkit", "night market",
        "repair cafe", "citizen science project", "micro-grant fund", "peer mentoring circle",
        "shared tool library", "pop-up workshop", "public data dashboard", "podcast series",
        "volunteer exchange", "board game", "walking tour",
    ]

    private static func topicPhrase(_ text: String) -> String {
        let words = text.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.lowercased() }
        let significant = words.filter { $0.count > 3 }.prefix(3)
        return significant.isEmpty ? "the topic" : significant.joined(separator: " ")
    }

    // MARK: - Request handling

    private func handle(_ request: LoopbackRequest, _ writer: LoopbackResponseWriter) {
        guard let route = FakeLLMRoute(request) else {
            writer.send(status: 404, headers: [("Content-Type", "application/json")], text: #"{"error":"no such route: \#(request.method) \#(request.path)"}"#)
            return
        }
        let fault = nextFault()
        let decoded = FakeLLMDialectCodec.decode(route, request)
        state.withLock {
            $0.recorded.append(FakeLLMRecordedRequest(
                http: request, prompt: decoded.prompt, embeddingInputs: decoded.embeddingInputs, fault: fault
            ))
        }
        sleep(options.latency)
        if case .slowFirstByte(let delay) = fault { sleep(delay) }
        let codec = FakeLLMDialectCodec(route: route, options: options)
        if let required = options.requiredAPIKey, codec.presentedKey(request) != required {
            codec.sendError(writer, status: 401, kind: .auth, message: "invalid API key")
            return
        }
        if let problem = decoded.problem {
            codec.sendError(writer, status: 400, kind: .invalidRequest, message: problem)
            return
        }
        if let fault, codec.sendFaultStatus(fault, writer) { return }
        if let prompt = decoded.prompt {
            let answer = responder(prompt)
            if prompt.stream {
                codec.stream(answer: answer, prompt: prompt, fault: fault, writer: writer) { self.sleep(self.options.streamChunkDelay) }
            } else {
                codec.sendWhole(answer: answer, prompt: prompt, fault: fault, writer: writer)
            }
        } else {
            let vectors = decoded.embeddingInputs.map { Self.embedding(for: $0, dimensions: options.embeddingDimensions) }
            codec.sendEmbeddings(vectors, model: decoded.embeddingModel, fault: fault, writer: writer)
        }
    }

    private func nextFault() -> FakeLLMFault? {
        state.withLock { state in
            if !state.faults.isEmpty { return state.faults.removeFirst() }
            guard options.randomFaultRate > 0, state.random.nextUnit() < options.randomFaultRate else { return nil }
            let choices: [FakeLLMFault] = [.rateLimited(retryAfter: "0"), .serverError, .overloaded, .dropStreamHalfway, .malformedJSON]
            return choices[Int(state.random.next() % UInt64(choices.count))]
        }
    }

    private func sleep(_ duration: Duration) {
        guard duration > .zero else { return }
        let (seconds, attoseconds) = duration.components
        Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) * 1e-18)
    }
}

/// Breaks the init-time cycle between the server object and its handler closure.
private final class HandlerBox: @unchecked Sendable {
    private let lock = Mutex<FakeLLMServer?>(nil)
    var server: FakeLLMServer? {
        get { lock.withLock { $0 } }
        set { lock.withLock { $0 = newValue } }
    }
}

extension SplitMix64 {
    /// A uniform draw from [0, 1) built from the top 53 bits, so random faults repeat run after run.
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
