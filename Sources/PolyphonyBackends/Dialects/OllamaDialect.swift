import Foundation
import PolyphonyCore

/// Ollama's native `/api/chat`: options carry sampling settings, streams are JSON lines.
///
/// `base_url` is the server root (`http://127.0.0.1:11434`). A stream may carry an
/// `{"error": …}` line after an HTTP 200; that fails the attempt.
public struct OllamaDialect: ChatDialect {
    public var kind: BackendConfiguration.Kind { .ollama }
    public var streamFraming: StreamFraming { .jsonLines }

    /// The dialect has no settings.
    public init() {}

    public func makeRequest(_ request: ChatRequest, baseURL: String, model: String, stream: Bool, apiKey: String?) throws -> HTTPOutgoingRequest {
        var options: [String: JSONValue] = [:]
        options["temperature"] = DialectSupport.number(request.temperature)
        if let seed = request.seed { options["seed"] = .number(Double(seed)) }
        if let maxTokens = request.maxTokens { options["num_predict"] = .number(Double(maxTokens)) }
        if !request.stop.isEmpty { options["stop"] = .array(request.stop.map(JSONValue.string)) }
        var body: [String: JSONValue] = [
            "model": .string(model),
            "messages": .array(request.messages.map {
                .object(["role": .string($0.role.rawValue), "content": .string($0.content)])
            }),
            // Ollama streams unless told otherwise, so always say.
            "stream": .bool(stream),
        ]
        if !options.isEmpty { body["options"] = .object(options) }
        if let schema = request.jsonSchema { body["format"] = schema }
        var headers = ["Content-Type": "application/json"]
        if let apiKey { headers["Authorization"] = "Bearer \(apiKey)" }
        return HTTPOutgoingRequest(url: try DialectSupport.url(baseURL + "/api/chat"), headers: headers, body: DialectSupport.json(.object(body)))
    }

    public func decodeResponse(_ body: Data) throws -> DialectResponse {
        let value = try DialectSupport.parse(body, what: "chat response")
        if let error = value["error"]?.stringValue { throw DialectError("Ollama error: \(error)") }
        guard let message = value["message"] else {
            throw DialectError("chat response has no message: \(DialectError.excerpt(body))")
        }
        return DialectResponse(
            text: message["content"]?.stringValue ?? "",
            finishReason: Self.finishReason(value["done_reason"]?.stringValue),
            usage: TokenUsage(promptTokens: DialectSupport.int(value["prompt_eval_count"]), completionTokens: DialectSupport.int(value["eval_count"])),
            model: value["model"]?.stringValue
        )
    }

    public func decodeStreamFrame(_ frame: StreamFrame) throws -> [DialectStreamEvent] {
        let value = try DialectSupport.parse(Data(frame.data.utf8), what: "stream line")
        if let error = value["error"]?.stringValue { return [.failure(message: error, retryable: true)] }
        var events: [DialectStreamEvent] = []
        if let model = value["model"]?.stringValue { events.append(.model(model)) }
        if let content = value["message"]?["content"]?.stringValue, !content.isEmpty { events.append(.delta(content)) }
        if value["done"] == .bool(true) {
            events.append(.usage(prompt: DialectSupport.int(value["prompt_eval_count"]), completion: DialectSupport.int(value["eval_count"])))
            events.append(.finish(Self.finishReason(value["done_reason"]?.stringValue)))
            events.append(.end)
        }
        return events
    }

    static func finishReason(_ value: String?) -> FinishReason {
        switch value {
        case "stop", nil: .stop
        case "length": .length
        default: .unknown
        }
    }
}
