import Foundation
import Logging
import PolyphonyCore

/// A ``ChatBackend`` that talks to one model server over HTTP in one dialect, with retries,
/// a shared rate limiter and deadlines.
///
/// Create one per backends-file entry and share it between every agent that uses the entry:
/// its ``limiter`` is what keeps the whole session within `max_concurrency` and
/// `requests_per_minute`. Each HTTP attempt holds one limiter slot; backoff waits do not.
///
/// The API key is held in memory only. It goes into request headers and nowhere else: error
/// messages are scrubbed of it, and it is not part of any cache key.
public struct HTTPChatBackend: ChatBackend, CustomStringConvertible {
    public let name: String
    public var defaultModel: String { configuration.model }
    /// The entry this backend was made from.
    public var configuration: BackendConfiguration { requester.configuration }
    /// The limiter every request of this backend passes through.
    public var limiter: RateLimiter { requester.limiter }
    /// The retry policy from the entry's `max_attempts` and `retry_base_delay`.
    public var policy: RetryPolicy { requester.policy }
    private let dialect: any ChatDialect
    private let requester: BackendRequester

    /// - Parameters:
    ///   - configuration: The backends-file entry.
    ///   - apiKey: The key read from `api_key_env`, or `nil` for servers without one.
    ///   - dialect: Defaults to the dialect of `configuration.kind`.
    ///   - transport: Defaults to a ``CurlTransport`` sized to `max_concurrency`.
    ///   - limiter: Defaults to a new limiter from the entry's bounds; pass one to share it.
    ///   - clock: What retry backoff (and a default limiter) waits on; tests pass a manual clock.
    ///   - logger: Receives failed attempts, backoff and waits for a slot; logs nothing by default.
    /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` for `kind: local`, which is not an HTTP dialect here.
    public init(
        configuration: BackendConfiguration, apiKey: String?, dialect: (any ChatDialect)? = nil,
        transport: (any HTTPTransport)? = nil, limiter: RateLimiter? = nil, clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger = .disabled
    ) throws {
        self.name = configuration.name
        self.dialect = try dialect ?? Self.dialect(for: configuration)
        self.requester = BackendRequester(
            configuration: configuration, apiKey: apiKey, transport: transport, limiter: limiter, clock: clock, logger: logger
        )
    }

    /// `NAME (KIND MODEL at BASE_URL)`; never the key.
    public var description: String {
        "\(name) (\(configuration.kind.rawValue) \(configuration.model) at \(requester.baseURL))"
    }

    /// The dialect that serves `configuration.kind`.
    /// - Throws: ``PolyphonyError`` for kinds without an HTTP dialect (`local`).
    public static func dialect(for configuration: BackendConfiguration) throws -> any ChatDialect {
        switch configuration.kind {
        case .openai: return OpenAIDialect()
        case .anthropic: return AnthropicDialect()
        case .ollama: return OllamaDialect()
        case .gemini: return GeminiDialect()
        case .local:
            throw PolyphonyError.invalidInput(
                "backend \(configuration.name): kind local (a managed llama.cpp server) is not supported by this build yet; run the server yourself and use kind openai with its base_url"
            )
        }
    }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let start = ContinuousClock.now
        let outgoing = try makeOutgoing(request, stream: false)
        let (parsed, attempts, retries) = try await requester.withRetries { try await attemptWhole(outgoing) }
        return finished(parsed, attempts: attempts, retries: retries, since: start)
    }

    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatStreamEvent, any Error> {
        producedStream { continuation in
            let gate = DeltaGate { continuation.yield(.delta($0)) }
            continuation.yield(.completed(try await streamWithRetries(request, gate: gate)))
        }
    }

    // MARK: - Attempts

    private func streamWithRetries(_ request: ChatRequest, gate: DeltaGate) async throws -> ChatResponse {
        let start = ContinuousClock.now
        let outgoing = try makeOutgoing(request, stream: true)
        let (parsed, attempts, retries) = try await requester.withRetries {
            gate.startAttempt()
            return try await attemptStream(outgoing, gate: gate)
        }
        return finished(parsed, attempts: attempts, retries: retries, since: start)
    }

    private func attemptWhole(_ outgoing: HTTPOutgoingRequest) async throws -> DialectResponse {
        let (head, body) = try await requester.sendOnce(outgoing)
        do {
            return try dialect.decodeResponse(body)
        } catch let error as DialectError {
            // A garbled 200 is a fault of that one answer (a proxy cut it, the server hiccuped),
            // not of the request: the next attempt usually succeeds.
            throw AttemptFailure(PolyphonyError.backend(
                "malformed \(dialect.kind.rawValue) response: \(requester.scrub(error.description))", backend: name,
                status: head.status, isRetryable: true
            ))
        }
    }

    private func attemptStream(_ outgoing: HTTPOutgoingRequest, gate: DeltaGate) async throws -> DialectResponse {
        let response = try await requester.execute(outgoing)
        guard (200..<300).contains(response.head.status) else {
            var body = Data()
            do {
                for try await piece in response.body where body.count < 65_536 { body.append(piece) }
            } catch {
                // The status already says what went wrong; a broken error body adds nothing.
            }
            throw requester.failure(status: response.head, body: body)
        }
        var framer = StreamFramer(framing: dialect.streamFraming)
        var state = StreamState()
        do {
            for try await piece in response.body {
                for frame in framer.append(piece) { try consume(frame, into: &state, gate: gate) }
            }
        } catch let error as HTTPTransportError {
            if error.isCancellation { throw requester.failure(error) }
            // A connection that breaks after the end marker lost nothing.
            if !state.ended {
                throw AttemptFailure(PolyphonyError.backend(
                    "stream broke off before its end: \(error.message)", backend: name, status: response.head.status, isRetryable: true
                ))
            }
        }
        if Task.isCancelled { throw AttemptFailure(.cancelled("backend \(name): request cancelled")) }
        for frame in framer.finish() { try consume(frame, into: &state, gate: gate) }
        guard state.ended else {
            throw AttemptFailure(PolyphonyError.backend(
                "stream ended before its end marker (\(Self.endMarker(dialect.kind)))", backend: name,
                status: response.head.status, isRetryable: true
            ))
        }
        return DialectResponse(text: gate.attemptText, finishReason: state.finish ?? .stop, usage: state.usage, model: state.model)
    }

    private struct StreamState {
        var usage = TokenUsage()
        var finish: FinishReason?
        var model: String?
        var ended = false
    }

    private func consume(_ frame: StreamFrame, into state: inout StreamState, gate: DeltaGate) throws {
        let events: [DialectStreamEvent]
        do {
            events = try dialect.decodeStreamFrame(frame)
        } catch let error as DialectError {
            throw AttemptFailure(PolyphonyError.backend(
                "malformed \(dialect.kind.rawValue) stream: \(requester.scrub(error.description))", backend: name,
                status: 200, isRetryable: true
            ))
        }
        for event in events {
            switch event {
            case .delta(let text): gate.offer(text)
            case .usage(let prompt, let completion):
                state.usage = TokenUsage(promptTokens: prompt ?? state.usage.promptTokens, completionTokens: completion ?? state.usage.completionTokens)
            case .finish(let reason): state.finish = reason
            case .model(let model): state.model = model
            case .end: state.ended = true
            case .failure(let message, let retryable):
                throw AttemptFailure(PolyphonyError.backend(
                    "error inside the stream: \(requester.scrub(message))", backend: name, status: 200, isRetryable: retryable
                ))
            }
        }
    }

    private func makeOutgoing(_ request: ChatRequest, stream: Bool) throws -> HTTPOutgoingRequest {
        do {
            return try dialect.makeRequest(request, baseURL: requester.baseURL, model: request.model ?? defaultModel, stream: stream, apiKey: requester.apiKey)
        } catch let error as DialectError {
            throw PolyphonyError.invalidInput("backend \(name): \(error.description)")
        }
    }

    private func finished(_ parsed: DialectResponse, attempts: Int, retries: [ChatRetry], since start: ContinuousClock.Instant) -> ChatResponse {
        ChatResponse(
            text: parsed.text, finishReason: parsed.finishReason, usage: parsed.usage, model: parsed.model,
            latencyMilliseconds: BackendRequester.milliseconds(since: start), attempts: attempts,
            retries: retries.isEmpty ? nil : retries
        )
    }

    private static func endMarker(_ kind: BackendConfiguration.Kind) -> String {
        switch kind {
        case .openai, .local: "data: [DONE]"
        case .anthropic: "message_stop"
        case .ollama: "\"done\": true"
        case .gemini: "a finishReason"
        }
    }
}
