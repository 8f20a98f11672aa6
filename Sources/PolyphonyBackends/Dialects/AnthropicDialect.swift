import Foundation
import PolyphonyCore

/// Anthropic's `/v1/messages`: system prompt at top level, `max_tokens` required, typed SSE events.
///
/// `base_url` is the API root (`https://api.anthropic.com`); a trailing `/v1` is accepted too.
/// The API has no seed and no JSON-schema mode: a schema becomes an instruction appended
/// to the system prompt.
public struct AnthropicDialect: ChatDialect {
    /// The API version header every request carries.
    public static let apiVersion = "2023-06-01"
    /// Used when a request sets no `maxTokens`, because the API requires one.
    public static let defaultMaxTokens = 4096

    public var kind: BackendConfiguration.Kind { .anthropic }
    public var streamFraming: StreamFraming { .serverSentEvents }

    /// The dialect has no settings.
    public init() {}

    public func makeRequest(_ request: ChatRequest, baseURL: String, model: String, stream: Bool, apiKey: String?) throws -> HTTPOutgoingRequest {
        var systemParts = request.messages.filter { $0.role == .system }.map(\.content)
        if let schema = request.jsonSchema {
            let schemaText = String(decoding: DialectSupport.json(schema), as: UTF8.self)
            systemParts.append("Answer with one JSON value only, no prose, that satisfies this JSON Schema: \(schemaText)")
        }
        var body: [String: JSONValue] = [
            "model": .string(model),
            "max_tokens": .number(Double(request.maxTokens ?? Self.defaultMaxTokens)),
            "messages": .array(request.messages.filter { $0.role != .system }.map {
                .object(["role": .string($0.role.rawValue), "content": .string($0.content)])
            }),
            "stream": .bool(stream),
        ]
        if !systemParts.isEmpty { body["system"] = .string(systemParts.joined(separator: "\n\n")) }
        body["temperature"] = DialectSupport.number(request.temperature)
        if !request.stop.isEmpty { body["stop_sequences"] = .array(request.stop.map(JSONValue.string)) }
        var headers = [
            "Content-Type": "application/json", "anthropic-version": Self.apiVersion,
            "Accept": stream ? "text/event-stream" : "application/json",
        ]
        if let apiKey { headers["x-api-key"] = apiKey }
        let root = baseURL.hasSuffix("/v1") ? baseURL : baseURL + "/v1"
        return HTTPOutgoingRequest(url: try DialectSupport.url(root + "/messages"), headers: headers, body: DialectSupport.json(.object(body)))
    }

    public func decodeResponse(_ body: Data) throws -> DialectResponse {
        let value = try DialectSupport.parse(body, what: "message")
        guard let content = value["content"]?.arrayValue else {
            throw DialectError("message has no content array: \(DialectError.excerpt(body))")
        }
        let text = content.filter { $0["type"]?.stringValue == "text" }.compactMap { $0["text"]?.stringValue }.joined()
        return DialectResponse(
            text: text,
            finishReason: Self.finishReason(value["stop_reason"]?.stringValue),
            usage: TokenUsage(
                promptTokens: DialectSupport.int(value["usage"]?["input_tokens"]),
                completionTokens: DialectSupport.int(value["usage"]?["output_tokens"])
            ),
            model: value["model"]?.stringValue
        )
    }

    public func decodeStreamFrame(_ frame: StreamFrame) throws -> [DialectStreamEvent] {
        let value = try DialectSupport.parse(Data(frame.data.utf8), what: "stream event")
        switch frame.event ?? value["type"]?.stringValue {
        case "message_start":
            var events: [DialectStreamEvent] = []
            if let model = value["message"]?["model"]?.stringValue { events.append(.model(model)) }
            let usage = value["message"]?["usage"]
            events.append(.usage(prompt: DialectSupport.int(usage?["input_tokens"]), completion: nil))
            return events
        case "content_block_delta":
            guard let text = value["delta"]?["text"]?.stringValue, !text.isEmpty else { return [] }
            return [.delta(text)]
        case "message_delta":
            var events: [DialectStreamEvent] = []
            if let reason = value["delta"]?["stop_reason"]?.stringValue { events.append(.finish(Self.finishReason(reason))) }
            if let output = DialectSupport.int(value["usage"]?["output_tokens"]) { events.append(.usage(prompt: nil, completion: output)) }
            return events
        case "message_stop":
            return [.end]
        case "error":
            let type = value["error"]?["type"]?.stringValue ?? "error"
            let message = value["error"]?["message"]?.stringValue ?? "error event"
            let retryable = type == "overloaded_error" || type == "api_error" || type == "rate_limit_error"
            return [.failure(message: "\(type): \(message)", retryable: retryable)]
        default:
            return []
        }
    }

    static func finishReason(_ value: String?) -> FinishReason {
        switch value {
        case "end_turn", "stop_sequence": .stop
        case "max_tokens": .length
        case "refusal": .contentFilter
        default: .unknown
        }
    }
}
