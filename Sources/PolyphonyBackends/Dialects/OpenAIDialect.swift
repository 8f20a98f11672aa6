import Foundation
import PolyphonyCore

/// OpenAI-compatible `/chat/completions` (OpenAI, vLLM, llama.cpp server, LM Studio, …).
///
/// `base_url` includes the version segment (`https://api.openai.com/v1`), as the OpenAI SDKs expect.
public struct OpenAIDialect: ChatDialect {
    public var kind: BackendConfiguration.Kind { .openai }
    public var streamFraming: StreamFraming { .serverSentEvents }

    /// The dialect has no settings.
    public init() {}

    public func makeRequest(_ request: ChatRequest, baseURL: String, model: String, stream: Bool, apiKey: String?) throws -> HTTPOutgoingRequest {
        var body: [String: JSONValue] = [
            "model": .string(model),
            "messages": .array(request.messages.map {
                .object(["role": .string($0.role.rawValue), "content": .string($0.content)])
            }),
            "stream": .bool(stream),
        ]
        body["temperature"] = DialectSupport.number(request.temperature)
        if let maxTokens = request.maxTokens { body["max_tokens"] = .number(Double(maxTokens)) }
        if let seed = request.seed { body["seed"] = .number(Double(seed)) }
        if !request.stop.isEmpty { body["stop"] = .array(request.stop.map(JSONValue.string)) }
        if let schema = request.jsonSchema {
            body["response_format"] = .object([
                "type": .string("json_schema"),
                "json_schema": .object(["name": .string("response"), "schema": schema, "strict": .bool(true)]),
            ])
        }
        if stream { body["stream_options"] = .object(["include_usage": .bool(true)]) }
        var headers = ["Content-Type": "application/json", "Accept": stream ? "text/event-stream" : "application/json"]
        if let apiKey { headers["Authorization"] = "Bearer \(apiKey)" }
        return HTTPOutgoingRequest(
            url: try DialectSupport.url(baseURL + "/chat/completions"), headers: headers,
            body: DialectSupport.json(.object(body))
        )
    }

    public func decodeResponse(_ body: Data) throws -> DialectResponse {
        let value = try DialectSupport.parse(body, what: "chat completion")
        guard let choice = value["choices"]?.arrayValue?.first, let message = choice["message"] else {
            throw DialectError("chat completion has no choices[0].message: \(DialectError.excerpt(body))")
        }
        return DialectResponse(
            text: message["content"]?.stringValue ?? "",
            finishReason: Self.finishReason(choice["finish_reason"]?.stringValue),
            usage: TokenUsage(
                promptTokens: DialectSupport.int(value["usage"]?["prompt_tokens"]),
                completionTokens: DialectSupport.int(value["usage"]?["completion_tokens"])
            ),
            model: value["model"]?.stringValue
        )
    }

    public func decodeStreamFrame(_ frame: StreamFrame) throws -> [DialectStreamEvent] {
        let data = frame.data.trimmingSpacesAndTabs()
        if data == "[DONE]" { return [.end] }
        let value = try DialectSupport.parse(Data(data.utf8), what: "stream chunk")
        if let error = value["error"] {
            return [.failure(message: error["message"]?.stringValue ?? error.stringValue ?? "error in stream", retryable: true)]
        }
        var events: [DialectStreamEvent] = []
        if let model = value["model"]?.stringValue, !model.isEmpty { events.append(.model(model)) }
        if let choice = value["choices"]?.arrayValue?.first {
            if let content = choice["delta"]?["content"]?.stringValue, !content.isEmpty { events.append(.delta(content)) }
            if let reason = choice["finish_reason"]?.stringValue { events.append(.finish(Self.finishReason(reason))) }
        }
        if let usage = value["usage"], usage != .null {
            events.append(.usage(prompt: DialectSupport.int(usage["prompt_tokens"]), completion: DialectSupport.int(usage["completion_tokens"])))
        }
        return events
    }

    static func finishReason(_ value: String?) -> FinishReason {
        switch value {
        case "stop": .stop
        case "length": .length
        case "content_filter": .contentFilter
        case nil: .unknown
        default: .unknown
        }
    }
}
