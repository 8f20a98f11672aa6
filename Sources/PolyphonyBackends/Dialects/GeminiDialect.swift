import Foundation
import PolyphonyCore

/// Google's Gemini `models/MODEL:generateContent` and `:streamGenerateContent?alt=sse`.
///
/// `base_url` includes the version (`https://generativelanguage.googleapis.com/v1beta`).
/// A stream has no `[DONE]`: the chunk that carries a `finishReason` is the end marker.
public struct GeminiDialect: ChatDialect {
    public var kind: BackendConfiguration.Kind { .gemini }
    public var streamFraming: StreamFraming { .serverSentEvents }

    /// The dialect has no settings.
    public init() {}

    public func makeRequest(_ request: ChatRequest, baseURL: String, model: String, stream: Bool, apiKey: String?) throws -> HTTPOutgoingRequest {
        let system = request.messages.filter { $0.role == .system }.map(\.content)
        var body: [String: JSONValue] = [
            "contents": .array(request.messages.filter { $0.role != .system }.map {
                .object([
                    "role": .string($0.role == .assistant ? "model" : "user"),
                    "parts": .array([.object(["text": .string($0.content)])]),
                ])
            }),
        ]
        if !system.isEmpty {
            body["systemInstruction"] = .object(["parts": .array(system.map { .object(["text": .string($0)]) })])
        }
        var generation: [String: JSONValue] = [:]
        generation["temperature"] = DialectSupport.number(request.temperature)
        if let maxTokens = request.maxTokens { generation["maxOutputTokens"] = .number(Double(maxTokens)) }
        // Gemini's seed is a signed 32-bit integer.
        if let seed = request.seed { generation["seed"] = .number(Double(Int32(truncatingIfNeeded: seed))) }
        if !request.stop.isEmpty { generation["stopSequences"] = .array(request.stop.map(JSONValue.string)) }
        if let schema = request.jsonSchema {
            generation["responseMimeType"] = .string("application/json")
            generation["responseJsonSchema"] = schema
        }
        if !generation.isEmpty { body["generationConfig"] = .object(generation) }
        var headers = ["Content-Type": "application/json"]
        if let apiKey { headers["x-goog-api-key"] = apiKey }
        let encodedModel = model.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? model
        let method = stream ? "streamGenerateContent?alt=sse" : "generateContent"
        let modelPath = encodedModel.hasPrefix("models/") ? encodedModel : "models/" + encodedModel
        return HTTPOutgoingRequest(
            url: try DialectSupport.url("\(baseURL)/\(modelPath):\(method)"), headers: headers,
            body: DialectSupport.json(.object(body))
        )
    }

    public func decodeResponse(_ body: Data) throws -> DialectResponse {
        let value = try DialectSupport.parse(body, what: "generateContent response")
        let parsed = Self.read(value)
        guard parsed.sawCandidate || value["promptFeedback"] != nil else {
            throw DialectError("generateContent response has no candidates: \(DialectError.excerpt(body))")
        }
        return DialectResponse(
            text: parsed.text, finishReason: parsed.finish ?? .contentFilter,
            usage: TokenUsage(promptTokens: parsed.prompt, completionTokens: parsed.completion), model: parsed.model
        )
    }

    public func decodeStreamFrame(_ frame: StreamFrame) throws -> [DialectStreamEvent] {
        let value = try DialectSupport.parse(Data(frame.data.utf8), what: "stream chunk")
        if let error = value["error"] {
            return [.failure(message: error["message"]?.stringValue ?? "error in stream", retryable: true)]
        }
        let parsed = Self.read(value)
        var events: [DialectStreamEvent] = []
        if let model = parsed.model { events.append(.model(model)) }
        if !parsed.text.isEmpty { events.append(.delta(parsed.text)) }
        if parsed.prompt != nil || parsed.completion != nil {
            events.append(.usage(prompt: parsed.prompt, completion: parsed.completion))
        }
        if let finish = parsed.finish {
            events.append(.finish(finish))
            events.append(.end)
        } else if !parsed.sawCandidate, value["promptFeedback"]?["blockReason"] != nil {
            events.append(.finish(.contentFilter))
            events.append(.end)
        }
        return events
    }

    private static func read(_ value: JSONValue) -> (text: String, finish: FinishReason?, prompt: Int?, completion: Int?, model: String?, sawCandidate: Bool) {
        let candidate = value["candidates"]?.arrayValue?.first
        let text = (candidate?["content"]?["parts"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
        let finish = candidate?["finishReason"]?.stringValue.map(finishReason)
        let usage = value["usageMetadata"]
        return (
            text, finish, DialectSupport.int(usage?["promptTokenCount"]), DialectSupport.int(usage?["candidatesTokenCount"]),
            value["modelVersion"]?.stringValue, candidate != nil
        )
    }

    static func finishReason(_ value: String) -> FinishReason {
        switch value {
        case "STOP": .stop
        case "MAX_TOKENS": .length
        case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII": .contentFilter
        default: .unknown
        }
    }
}
