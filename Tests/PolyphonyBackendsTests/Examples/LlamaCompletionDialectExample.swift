import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import Testing

// ARCHITECTURE.md, "Adding a backend kind": this file is the worked example, compiled and
// run against a real HTTP server on 127.0.0.1. It uses only Backends' public API (a plain
// `import`), so a dialect can be written and tried outside the module before it is added to
// `BackendConfiguration.Kind`, `HTTPChatBackend.dialect(for:)` and the backends file.

/// llama.cpp's native `/completion` endpoint (llama-server's README, "POST /completion"): a
/// prompt string in, `content` out, streamed as server-sent events whose last frame has
/// `"stop": true` and the token counts. It reports kind `local` because llama-server is what a
/// `local` entry runs.
struct LlamaCompletionDialect: ChatDialect {
    var kind: BackendConfiguration.Kind { .local }
    var streamFraming: StreamFraming { .serverSentEvents }

    func makeRequest(_ request: ChatRequest, baseURL: String, model: String, stream: Bool, apiKey: String?) throws -> HTTPOutgoingRequest {
        // The native endpoint takes one prompt; roles become labelled paragraphs.
        let prompt = request.messages.map { "\($0.role.rawValue): \($0.content)" }.joined(separator: "\n\n") + "\n\nassistant:"
        var body: [String: JSONValue] = ["prompt": .string(prompt), "stream": .bool(stream)]
        if let maxTokens = request.maxTokens { body["n_predict"] = .number(Double(maxTokens)) }
        if let temperature = request.temperature { body["temperature"] = .number(temperature) }
        if let seed = request.seed { body["seed"] = .number(Double(seed)) }
        guard let url = URL(string: baseURL + "/completion") else { throw DialectError("bad base_url: \(baseURL)") }
        return HTTPOutgoingRequest(url: url, headers: ["Content-Type": "application/json"], body: try JSONEncoder().encode(JSONValue.object(body)))
    }

    func decodeResponse(_ body: Data) throws -> DialectResponse {
        let value = try decode(body)
        guard let content = value["content"]?.stringValue else { throw DialectError("completion has no content") }
        return DialectResponse(text: content, finishReason: finish(value), usage: usage(value), model: value["model"]?.stringValue)
    }

    func decodeStreamFrame(_ frame: StreamFrame) throws -> [DialectStreamEvent] {
        let value = try decode(Data(frame.data.utf8))
        var events: [DialectStreamEvent] = []
        if let content = value["content"]?.stringValue, !content.isEmpty { events.append(.delta(content)) }
        if value["stop"] == .bool(true) {
            let counts = usage(value)
            events += [.usage(prompt: counts.promptTokens, completion: counts.completionTokens), .finish(finish(value)), .end]
        }
        return events
    }

    private func decode(_ data: Data) throws -> JSONValue {
        do { return try JSONDecoder().decode(JSONValue.self, from: data) } catch { throw DialectError("not JSON: \(error)") }
    }

    private func usage(_ value: JSONValue) -> TokenUsage {
        TokenUsage(
            promptTokens: value["tokens_evaluated"]?.doubleValue.map { Int($0) },
            completionTokens: value["tokens_predicted"]?.doubleValue.map { Int($0) })
    }

    private func finish(_ value: JSONValue) -> FinishReason {
        value["stopped_limit"] == .bool(true) ? .length : .stop
    }
}

@Suite struct LlamaCompletionDialectExample {
    /// A loopback stand-in for llama-server's `/completion`, whole or streamed.
    private func server() throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer { request, response in
            guard request.path == "/completion", let body = try? JSONDecoder().decode(JSONValue.self, from: request.body) else {
                return response.send(status: 404, text: "not found")
            }
            let done = #"{"content":"","stop":true,"tokens_evaluated":12,"tokens_predicted":4}"#
            if body["stream"] == .bool(true) {
                response.beginStream(status: 200, headers: [("Content-Type", "text/event-stream")])
                for piece in [#"{"content":"1. shade","stop":false}"#, #"{"content":" sails","stop":false}"#, done] {
                    response.write("data: \(piece)\n\n")
                }
                response.finish()
            } else {
                response.send(status: 200, headers: [("Content-Type", "application/json")],
                    text: #"{"content":"1. shade sails","stop":true,"tokens_evaluated":12,"tokens_predicted":4}"#)
            }
        }
    }

    private func backend(_ server: LoopbackHTTPServer) throws -> HTTPChatBackend {
        let entry = BackendConfiguration(name: "llama-native", kind: .local, baseURL: server.baseURL, model: "smollm2")
        return try HTTPChatBackend(configuration: entry, apiKey: nil, dialect: LlamaCompletionDialect())
    }

    @Test func aWholeAnswerCarriesItsTextAndTokenCounts() async throws {
        let server = try server()
        defer { server.stop() }
        let response = try await backend(server).complete(ChatRequest(messages: [.user("Ideas for cool streets?")], maxTokens: 32, seed: 3))
        #expect(response.text == "1. shade sails")
        #expect(response.usage.promptTokens == 12 && response.usage.completionTokens == 4)
    }

    @Test func aStreamedAnswerArrivesPieceByPieceAndEndsWithItsCounts() async throws {
        let server = try server()
        defer { server.stop() }
        var deltas: [String] = []
        var completed: ChatResponse?
        for try await event in try backend(server).stream(ChatRequest(messages: [.user("Ideas for cool streets?")])) {
            switch event {
            case .delta(let text): deltas.append(text)
            case .completed(let response): completed = response
            }
        }
        #expect(deltas == ["1. shade", " sails"])
        #expect(completed?.text == "1. shade sails" && completed?.usage.completionTokens == 4)
    }
}
