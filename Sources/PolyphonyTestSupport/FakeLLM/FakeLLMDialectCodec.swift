import Foundation
import PolyphonyCore

/// Which endpoint of which dialect a request hit.
enum FakeLLMRoute {
    case chat(FakeLLMPrompt.Dialect, geminiModel: String?, geminiStream: Bool)
    case embeddings(FakeLLMPrompt.Dialect)

    init?(_ request: LoopbackRequest) {
        guard request.method == "POST" else { return nil }
        let path = request.path
        if path.hasSuffix("/chat/completions") {
            self = .chat(.openai, geminiModel: nil, geminiStream: false)
        } else if path.hasSuffix("/embeddings") {
            self = .embeddings(.openai)
        } else if path.hasSuffix("/messages") {
            self = .chat(.anthropic, geminiModel: nil, geminiStream: false)
        } else if path == "/api/chat" {
            self = .chat(.ollama, geminiModel: nil, geminiStream: false)
        } else if path == "/api/embed" {
            self = .embeddings(.ollama)
        } else if let range = path.range(of: "/models/"), let colon = path.lastIndex(of: ":"), colon > range.upperBound {
            let model = String(path[range.upperBound..<colon])
            let method = path[path.index(after: colon)...]
            guard method == "generateContent" || method == "streamGenerateContent" else { return nil }
            self = .chat(.gemini, geminiModel: model, geminiStream: method == "streamGenerateContent")
        } else {
            return nil
        }
    }

    var dialect: FakeLLMPrompt.Dialect {
        switch self {
        case .chat(let dialect, _, _), .embeddings(let dialect): dialect
        }
    }
}

/// Reads requests and writes answers and errors in one dialect's wire format.
struct FakeLLMDialectCodec {
    enum ErrorKind {
        case auth, invalidRequest, rateLimit, quota, server, overloaded
    }

    struct Decoded {
        var prompt: FakeLLMPrompt?
        var embeddingInputs: [String] = []
        var embeddingModel = ""
        /// Why the request is invalid for its dialect, answered with a 400.
        var problem: String?
    }

    let route: FakeLLMRoute
    let options: FakeLLMServer.Options
    private var dialect: FakeLLMPrompt.Dialect { route.dialect }

    init(route: FakeLLMRoute, options: FakeLLMServer.Options) {
        self.route = route
        self.options = options
    }

    // MARK: Decoding

    static func decode(_ route: FakeLLMRoute, _ request: LoopbackRequest) -> Decoded {
        guard let body = try? JSONDecoder().decode(JSONValue.self, from: request.body) else {
            return Decoded(problem: "request body is not JSON")
        }
        func text(_ value: JSONValue?) -> String { value?.stringValue ?? "" }
        func role(_ name: String?) -> ChatMessage.Role {
            switch name {
            case "system": .system
            case "assistant", "model": .assistant
            default: .user
            }
        }
        func seed(_ value: JSONValue?) -> UInt64? { value?.doubleValue.map { UInt64($0) } }
        switch route {
        case .embeddings(let dialect):
            var inputs: [String] = []
            if let list = body["input"]?.arrayValue {
                inputs = list.compactMap(\.stringValue)
            } else if let single = body["input"]?.stringValue {
                inputs = [single]
            }
            var decoded = Decoded(embeddingInputs: inputs, embeddingModel: text(body["model"]))
            if inputs.isEmpty { decoded.problem = "\(dialect.rawValue) embeddings need a non-empty input" }
            return decoded
        case .chat(.openai, _, _):
            let messages = (body["messages"]?.arrayValue ?? []).map {
                ChatMessage(role: role($0["role"]?.stringValue), content: text($0["content"]))
            }
            return Decoded(prompt: FakeLLMPrompt(
                dialect: .openai, model: text(body["model"]), messages: messages, seed: seed(body["seed"]),
                temperature: body["temperature"]?.doubleValue,
                maxTokens: (body["max_completion_tokens"] ?? body["max_tokens"])?.doubleValue.map { Int($0) },
                stream: body["stream"] == .bool(true)
            ))
        case .chat(.anthropic, _, _):
            var messages: [ChatMessage] = []
            if let system = body["system"]?.stringValue { messages.append(.system(system)) }
            for message in body["messages"]?.arrayValue ?? [] {
                let content = message["content"]?.stringValue
                    ?? (message["content"]?.arrayValue ?? []).map { text($0["text"]) }.joined()
                messages.append(ChatMessage(role: role(message["role"]?.stringValue), content: content))
            }
            var decoded = Decoded(prompt: FakeLLMPrompt(
                dialect: .anthropic, model: text(body["model"]), messages: messages, seed: nil,
                temperature: body["temperature"]?.doubleValue,
                maxTokens: body["max_tokens"]?.doubleValue.map { Int($0) }, stream: body["stream"] == .bool(true)
            ))
            if body["max_tokens"] == nil { decoded.problem = "max_tokens: Field required" }
            if request.header("anthropic-version") == nil { decoded.problem = "anthropic-version: header is required" }
            return decoded
        case .chat(.ollama, _, _):
            let messages = (body["messages"]?.arrayValue ?? []).map {
                ChatMessage(role: role($0["role"]?.stringValue), content: text($0["content"]))
            }
            let options = body["options"]
            return Decoded(prompt: FakeLLMPrompt(
                dialect: .ollama, model: text(body["model"]), messages: messages, seed: seed(options?["seed"]),
                temperature: options?["temperature"]?.doubleValue,
                maxTokens: options?["num_predict"]?.doubleValue.map { Int($0) },
                // Ollama streams unless told not to.
                stream: body["stream"] != .bool(false)
            ))
        case .chat(.gemini, let model, let stream):
            var messages: [ChatMessage] = []
            if let system = body["systemInstruction"]?["parts"]?.arrayValue {
                messages.append(.system(system.map { text($0["text"]) }.joined()))
            }
            for content in body["contents"]?.arrayValue ?? [] {
                let joined = (content["parts"]?.arrayValue ?? []).map { text($0["text"]) }.joined()
                messages.append(ChatMessage(role: role(content["role"]?.stringValue), content: joined))
            }
            let config = body["generationConfig"]
            var decoded = Decoded(prompt: FakeLLMPrompt(
                dialect: .gemini, model: model ?? "", messages: messages, seed: seed(config?["seed"]),
                temperature: config?["temperature"]?.doubleValue,
                maxTokens: config?["maxOutputTokens"]?.doubleValue.map { Int($0) }, stream: stream
            ))
            if stream, request.query["alt"] != "sse" { decoded.problem = "streamGenerateContent needs alt=sse here" }
            return decoded
        }
    }

    /// The key the request presents in its dialect's header.
    func presentedKey(_ request: LoopbackRequest) -> String? {
        switch dialect {
        case .anthropic: return request.header("x-api-key")
        case .gemini: return request.header("x-goog-api-key")
        case .openai, .ollama:
            guard let value = request.header("authorization"), value.hasPrefix("Bearer ") else { return nil }
            return String(value.dropFirst("Bearer ".count))
        }
    }

    // MARK: Errors and faults

    func sendError(_ writer: LoopbackResponseWriter, status: Int, kind: ErrorKind, message: String, extraHeaders: [(String, String)] = []) {
        let body: JSONValue
        switch dialect {
        case .openai:
            let type: String = switch kind {
            case .auth: "invalid_request_error"
            case .invalidRequest: "invalid_request_error"
            case .rateLimit: "rate_limit_error"
            case .quota: "insufficient_quota"
            case .server, .overloaded: "server_error"
            }
            let code: JSONValue = switch kind {
            case .auth: .string("invalid_api_key")
            case .quota: .string("insufficient_quota")
            case .rateLimit: .string("rate_limit_exceeded")
            default: .null
            }
            body = .object(["error": .object(["message": .string(message), "type": .string(type), "code": code])])
        case .anthropic:
            let type: String = switch kind {
            case .auth: "authentication_error"
            case .invalidRequest: "invalid_request_error"
            case .rateLimit, .quota: "rate_limit_error"
            case .server: "api_error"
            case .overloaded: "overloaded_error"
            }
            body = .object(["type": .string("error"), "error": .object(["type": .string(type), "message": .string(message)])])
        case .ollama:
            body = .object(["error": .string(message)])
        case .gemini:
            let statusName: String = switch kind {
            case .auth: "UNAUTHENTICATED"
            case .invalidRequest: "INVALID_ARGUMENT"
            case .rateLimit, .quota: "RESOURCE_EXHAUSTED"
            case .server: "INTERNAL"
            case .overloaded: "UNAVAILABLE"
            }
            body = .object(["error": .object(["code": .number(Double(status)), "message": .string(message), "status": .string(statusName)])])
        }
        writer.send(status: status, headers: [("Content-Type", "application/json")] + extraHeaders, body: Self.json(body))
    }

    /// Plays a fault that replaces the whole answer; returns `false` for faults that shape the answer instead.
    func sendFaultStatus(_ fault: FakeLLMFault, _ writer: LoopbackResponseWriter) -> Bool {
        switch fault {
        case .rateLimited(let retryAfter):
            let headers = retryAfter.map { [("Retry-After", $0)] } ?? []
            sendError(writer, status: 429, kind: .rateLimit, message: "Rate limit reached, slow down", extraHeaders: headers)
        case .quotaExhausted:
            sendError(writer, status: 429, kind: .quota, message: "You exceeded your current quota, please check your plan and billing details")
        case .serverError:
            sendError(writer, status: 500, kind: .server, message: "The server had an error while processing your request")
        case .overloaded:
            sendError(writer, status: 529, kind: .overloaded, message: "Overloaded")
        case .unauthorized:
            sendError(writer, status: 401, kind: .auth, message: "invalid x-api-key / Incorrect API key provided")
        case .status(let status, let message):
            sendError(writer, status: status, kind: status >= 500 ? .server : .invalidRequest, message: message)
        case .dropStreamHalfway, .malformedJSON, .slowFirstByte, .midStreamError:
            return false
        }
        return true
    }

    // MARK: Whole answers

    func sendWhole(answer: String, prompt: FakeLLMPrompt, fault: FakeLLMFault?, writer: LoopbackResponseWriter) {
        if case .midStreamError(let message) = fault {
            sendError(writer, status: 500, kind: .server, message: message)
            return
        }
        let promptTokens = Self.tokens(prompt.messages.map(\.content).joined(separator: " "))
        let completionTokens = Self.tokens(answer)
        let body: JSONValue
        switch dialect {
        case .openai:
            body = .object([
                "id": .string("chatcmpl-fake"), "object": .string("chat.completion"), "created": .number(0),
                "model": .string(prompt.model),
                "choices": .array([.object([
                    "index": .number(0),
                    "message": .object(["role": .string("assistant"), "content": .string(answer)]),
                    "finish_reason": .string("stop"),
                ])]),
                "usage": .object([
                    "prompt_tokens": .number(Double(promptTokens)), "completion_tokens": .number(Double(completionTokens)),
                    "total_tokens": .number(Double(promptTokens + completionTokens)),
                ]),
            ])
        case .anthropic:
            body = .object([
                "id": .string("msg_fake"), "type": .string("message"), "role": .string("assistant"),
                "model": .string(prompt.model),
                "content": .array([.object(["type": .string("text"), "text": .string(answer)])]),
                "stop_reason": .string("end_turn"), "stop_sequence": .null,
                "usage": .object(["input_tokens": .number(Double(promptTokens)), "output_tokens": .number(Double(completionTokens))]),
            ])
        case .ollama:
            body = .object([
                "model": .string(prompt.model), "created_at": .string("2026-01-01T00:00:00Z"),
                "message": .object(["role": .string("assistant"), "content": .string(answer)]),
                "done": .bool(true), "done_reason": .string("stop"),
                "prompt_eval_count": .number(Double(promptTokens)), "eval_count": .number(Double(completionTokens)),
            ])
        case .gemini:
            body = geminiChunk(text: answer, finish: true, model: prompt.model, promptTokens: promptTokens, completionTokens: completionTokens)
        }
        sendBody(Self.json(body), fault: fault, writer: writer)
    }

    func sendEmbeddings(_ vectors: [[Float]], model: String, fault: FakeLLMFault?, writer: LoopbackResponseWriter) {
        let arrays = vectors.map { JSONValue.array($0.map { .number(Double($0)) }) }
        let body: JSONValue
        switch dialect {
        case .ollama:
            body = .object(["model": .string(model), "embeddings": .array(arrays)])
        default:
            body = .object([
                "object": .string("list"), "model": .string(model),
                "data": .array(arrays.enumerated().map {
                    .object(["object": .string("embedding"), "index": .number(Double($0.offset)), "embedding": $0.element])
                }),
                "usage": .object(["prompt_tokens": .number(1), "total_tokens": .number(1)]),
            ])
        }
        sendBody(Self.json(body), fault: fault, writer: writer)
    }

    private func sendBody(_ body: Data, fault: FakeLLMFault?, writer: LoopbackResponseWriter) {
        switch fault {
        case .malformedJSON:
            writer.send(status: 200, headers: [("Content-Type", "application/json")], body: Data(body.prefix(body.count / 2)) + Data("<oops>".utf8))
        case .dropStreamHalfway:
            // Promise the full length, deliver half, hang up.
            writer.beginStream(status: 200, headers: [("Content-Type", "application/json"), ("Content-Length", "\(body.count)")], framing: .closeDelimited)
            writer.write(Data(body.prefix(body.count / 2)))
            writer.dropConnection()
        default:
            writer.send(status: 200, headers: [("Content-Type", "application/json")], body: body)
        }
    }

    // MARK: Streams

    func stream(answer: String, prompt: FakeLLMPrompt, fault: FakeLLMFault?, writer: LoopbackResponseWriter, pause: () -> Void) {
        let pieces = Self.split(answer, into: options.streamPieces)
        let promptTokens = Self.tokens(prompt.messages.map(\.content).joined(separator: " "))
        let completionTokens = Self.tokens(answer)
        var frames: [String] = []
        var endFrames: [String] = []
        let sse = dialect != .ollama
        func data(_ value: JSONValue) -> String { "data: " + String(decoding: Self.json(value), as: UTF8.self) + "\n\n" }
        func event(_ name: String, _ value: JSONValue) -> String { "event: \(name)\n" + data(value) }
        switch dialect {
        case .openai:
            func chunk(_ delta: JSONValue, finish: JSONValue) -> JSONValue {
                .object([
                    "id": .string("chatcmpl-fake"), "object": .string("chat.completion.chunk"), "created": .number(0),
                    "model": .string(prompt.model),
                    "choices": .array([.object(["index": .number(0), "delta": delta, "finish_reason": finish])]),
                ])
            }
            frames.append(data(chunk(.object(["role": .string("assistant"), "content": .string("")]), finish: .null)))
            frames += pieces.map { data(chunk(.object(["content": .string($0)]), finish: .null)) }
            endFrames.append(data(chunk(.object([:]), finish: .string("stop"))))
            endFrames.append(data(.object([
                "id": .string("chatcmpl-fake"), "object": .string("chat.completion.chunk"), "model": .string(prompt.model),
                "choices": .array([]),
                "usage": .object([
                    "prompt_tokens": .number(Double(promptTokens)), "completion_tokens": .number(Double(completionTokens)),
                    "total_tokens": .number(Double(promptTokens + completionTokens)),
                ]),
            ])))
            endFrames.append("data: [DONE]\n\n")
        case .anthropic:
            frames.append(event("message_start", .object([
                "type": .string("message_start"),
                "message": .object([
                    "id": .string("msg_fake"), "type": .string("message"), "role": .string("assistant"),
                    "model": .string(prompt.model), "content": .array([]), "stop_reason": .null,
                    "usage": .object(["input_tokens": .number(Double(promptTokens)), "output_tokens": .number(1)]),
                ]),
            ])))
            frames.append(event("content_block_start", .object([
                "type": .string("content_block_start"), "index": .number(0),
                "content_block": .object(["type": .string("text"), "text": .string("")]),
            ])))
            frames.append(event("ping", .object(["type": .string("ping")])))
            frames += pieces.map {
                event("content_block_delta", .object([
                    "type": .string("content_block_delta"), "index": .number(0),
                    "delta": .object(["type": .string("text_delta"), "text": .string($0)]),
                ]))
            }
            endFrames.append(event("content_block_stop", .object(["type": .string("content_block_stop"), "index": .number(0)])))
            endFrames.append(event("message_delta", .object([
                "type": .string("message_delta"),
                "delta": .object(["stop_reason": .string("end_turn"), "stop_sequence": .null]),
                "usage": .object(["output_tokens": .number(Double(completionTokens))]),
            ])))
            endFrames.append(event("message_stop", .object(["type": .string("message_stop")])))
        case .ollama:
            func line(_ text: String, done: Bool) -> String {
                var object: [String: JSONValue] = [
                    "model": .string(prompt.model), "created_at": .string("2026-01-01T00:00:00Z"),
                    "message": .object(["role": .string("assistant"), "content": .string(text)]), "done": .bool(done),
                ]
                if done {
                    object["done_reason"] = .string("stop")
                    object["prompt_eval_count"] = .number(Double(promptTokens))
                    object["eval_count"] = .number(Double(completionTokens))
                }
                return String(decoding: Self.json(.object(object)), as: UTF8.self) + "\n"
            }
            frames += pieces.map { line($0, done: false) }
            endFrames.append(line("", done: true))
        case .gemini:
            frames += pieces.enumerated().map { index, piece in
                let last = index == pieces.count - 1
                return data(geminiChunk(
                    text: piece, finish: last, model: prompt.model,
                    promptTokens: promptTokens, completionTokens: last ? completionTokens : nil
                ))
            }
        }
        let contentType = sse ? "text/event-stream" : "application/x-ndjson"
        writer.beginStream(status: 200, headers: [("Content-Type", contentType), ("Cache-Control", "no-cache")], framing: options.framing)
        let all = frames + endFrames
        let half = max(1, frames.count / 2)
        for (index, frame) in all.enumerated() {
            if index > 0 { pause() }
            if index == half {
                switch fault {
                case .dropStreamHalfway:
                    writer.dropConnection()
                    return
                case .malformedJSON:
                    writer.write(sse ? "data: {\"choices\": [ {oops\n\n" : "{\"message\": {oops\n")
                    writer.finish()
                    return
                case .midStreamError(let message):
                    writer.write(midStreamError(message, sse: sse))
                    writer.finish()
                    return
                default:
                    break
                }
            }
            writer.write(frame)
            if writer.isClientGone { return }
        }
        writer.finish()
    }

    private func midStreamError(_ message: String, sse: Bool) -> String {
        switch dialect {
        case .ollama:
            return String(decoding: Self.json(.object(["error": .string(message)])), as: UTF8.self) + "\n"
        case .anthropic:
            let body = JSONValue.object([
                "type": .string("error"), "error": .object(["type": .string("overloaded_error"), "message": .string(message)]),
            ])
            return "event: error\ndata: " + String(decoding: Self.json(body), as: UTF8.self) + "\n\n"
        case .openai, .gemini:
            let body = JSONValue.object(["error": .object(["message": .string(message), "code": .number(500)])])
            return "data: " + String(decoding: Self.json(body), as: UTF8.self) + "\n\n"
        }
    }

    private func geminiChunk(text: String, finish: Bool, model: String, promptTokens: Int, completionTokens: Int?) -> JSONValue {
        var candidate: [String: JSONValue] = [
            "content": .object(["role": .string("model"), "parts": .array([.object(["text": .string(text)])])]),
            "index": .number(0),
        ]
        if finish { candidate["finishReason"] = .string("STOP") }
        var object: [String: JSONValue] = ["candidates": .array([.object(candidate)]), "modelVersion": .string(model)]
        if let completionTokens {
            object["usageMetadata"] = .object([
                "promptTokenCount": .number(Double(promptTokens)), "candidatesTokenCount": .number(Double(completionTokens)),
                "totalTokenCount": .number(Double(promptTokens + completionTokens)),
            ])
        }
        return .object(object)
    }

    // MARK: Helpers

    /// A crude token count (words) so usage numbers are predictable.
    static func tokens(_ text: String) -> Int {
        text.split(whereSeparator: \.isWhitespace).count
    }

    /// Cuts text into up to `count` pieces of near-equal length that rejoin to the original.
    static func split(_ text: String, into count: Int) -> [String] {
        let characters = Array(text)
        guard !characters.isEmpty else { return [""] }
        let size = max(1, (characters.count + count - 1) / count)
        return stride(from: 0, to: characters.count, by: size).map { String(characters[$0..<min($0 + size, characters.count)]) }
    }

    static func json(_ value: JSONValue) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data("null".utf8)
    }
}
