import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport

/// Shared helpers for the backend tests: a fake server per test, backends pointing at it,
/// and scratch directories.
enum Fixtures {
    static let prompt = ChatRequest(
        messages: [.system("You are a careful inventor."), .user("Give ideas for quieter city streets at night")],
        temperature: 0.7, maxTokens: 200, seed: 42
    )

    /// Runs `body` with a fresh fake server that is always stopped afterwards.
    static func withServer<T>(
        _ options: FakeLLMServer.Options = .init(), responder: @escaping FakeLLMServer.Responder = FakeLLMServer.numberedIdeas,
        _ body: (FakeLLMServer) async throws -> T
    ) async throws -> T {
        try await withFakeLLMServer(options: options, responder: responder, body)
    }

    /// A backend for `kind` on `server`, with quick retries.
    static func backend(
        _ server: FakeLLMServer, kind: BackendConfiguration.Kind, apiKey: String? = nil, maxAttempts: Int = 3,
        maxConcurrency: Int = 8, firstByteTimeout: Double = 30, requestsPerMinute: Int? = nil,
        clock: any Clock<Duration> = ContinuousClock()
    ) throws -> HTTPChatBackend {
        var config = server.configuration(name: "fake-\(kind.rawValue)", kind: kind, maxConcurrency: maxConcurrency, maxAttempts: maxAttempts)
        config.firstByteTimeoutSeconds = firstByteTimeout
        config.requestsPerMinute = requestsPerMinute
        return try HTTPChatBackend(configuration: config, apiKey: apiKey, clock: clock)
    }

    /// What the default responder answers for `request` in `dialect` (Anthropic has no seed).
    static func expectedAnswer(_ request: ChatRequest, dialect: FakeLLMPrompt.Dialect, model: String = "fake-model") -> String {
        FakeLLMServer.numberedIdeas(FakeLLMPrompt(
            dialect: dialect, model: model, messages: request.messages, seed: dialect == .anthropic ? nil : request.seed
        ))
    }

    /// Collects a stream's deltas and its final response.
    static func collect(_ stream: AsyncThrowingStream<ChatStreamEvent, any Error>) async throws -> (deltas: [String], response: ChatResponse?) {
        var deltas: [String] = []
        var response: ChatResponse?
        for try await event in stream {
            switch event {
            case .delta(let text): deltas.append(text)
            case .completed(let final): response = final
            }
        }
        return (deltas, response)
    }

    /// A new empty directory under the system temporary directory.
    static func scratchDirectory() throws -> String {
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("polyphony-backends-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func dialect(_ kind: BackendConfiguration.Kind) -> FakeLLMPrompt.Dialect {
        FakeLLMPrompt.Dialect(rawValue: kind.rawValue) ?? .openai
    }

    static let kinds: [BackendConfiguration.Kind] = [.openai, .anthropic, .ollama, .gemini]
}
