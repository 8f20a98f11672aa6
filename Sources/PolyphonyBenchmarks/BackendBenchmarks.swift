import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport

/// Per-request overhead of the client stack (dialect, limiter, retry loop, libcurl)
/// against the loopback fake with zero latency, so every microsecond measured is ours or the
/// loopback server's.
let backendSuite = BenchmarkSuite(name: "backends", summary: "per-request client overhead against the loopback fake LLM server") {
    let server = try FakeLLMServer()
    defer { server.stop() }
    let request = ChatRequest(messages: [.system("You are terse."), .user("Name three uses for a brick")], temperature: 0.7, maxTokens: 64, seed: 1)
    let batch = 200

    func perRequest(_ label: String, _ body: @escaping () async throws -> Void) async throws {
        let median = try await measure("\(label) ×\(batch)", iterations: 5) {
            for _ in 0..<batch { try await body() }
        }
        print(String(format: "    → %.1f µs per request", median / Double(batch) * 1e6))
    }

    let raw = try OpenAIDialect().makeRequest(request, baseURL: server.baseURL(for: .openai), model: "m", stream: false, apiKey: "k")
    let urlSession = URLSessionTransport(maxConnections: 8, timeouts: HTTPTimeouts())
    try await perRequest("raw URLSessionTransport.send, before (openai JSON)") { _ = try await urlSession.send(raw) }
    let transport = CurlTransport(maxConnections: 8, timeouts: HTTPTimeouts())
    try await perRequest("raw CurlTransport.send (openai JSON)") { _ = try await transport.send(raw) }

    for kind in [BackendConfiguration.Kind.openai, .anthropic, .ollama, .gemini] {
        let backend = try HTTPChatBackend(configuration: server.configuration(name: "bench", kind: kind), apiKey: "k")
        try await perRequest("\(kind.rawValue) complete") { _ = try await backend.complete(request) }
        try await perRequest("\(kind.rawValue) stream (6 deltas)") {
            for try await _ in backend.stream(request) {}
        }
    }

    let dialect = AnthropicDialect()
    let body = try await transport.send(
        try dialect.makeRequest(request, baseURL: server.baseURL(for: .anthropic), model: "m", stream: false, apiKey: "k")
    ).1
    try await perRequest("anthropic encode+decode only, no network") {
        _ = try dialect.makeRequest(request, baseURL: "http://127.0.0.1:1", model: "m", stream: false, apiKey: "k")
        _ = try dialect.decodeResponse(body)
    }

    let backend = try HTTPChatBackend(configuration: server.configuration(name: "bench", kind: .openai, maxConcurrency: 8), apiKey: "k")
    let concurrent = try await measure("openai 256 requests, 8 in flight", iterations: 5) {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<256 { group.addTask { _ = try await backend.complete(request) } }
            try await group.waitForAll()
        }
    }
    print(String(format: "    → %.0f requests/s", 256 / concurrent))

    let latencyServer = try FakeLLMServer(options: .init(latency: .milliseconds(50)))
    defer { latencyServer.stop() }
    let bounded = try HTTPChatBackend(configuration: latencyServer.configuration(name: "bench", kind: .openai, maxConcurrency: 8), apiKey: "k")
    let wave = try await measure("64 requests, 8 in flight, 50 ms latency (ideal 400 ms)", iterations: 3) {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<64 { group.addTask { _ = try await bounded.complete(request) } }
            try await group.waitForAll()
        }
    }
    print(String(format: "    → %.1f%% over the ideal; server saw at most %d in flight", (wave / 0.4 - 1) * 100, latencyServer.maxInFlight))
}
