import PolyphonyCore

/// Anthropic's Messages API (`/v1/messages`), with its named stream events.
extension FakeLLMDialectCodec {
    static func decodeAnthropic(_ body: JSONValue, _ request: LoopbackRequest) -> Decoded {
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
    }

    static func anthropicError(_ kind: ErrorKind, message: String) -> JSONValue {
        let type: String = switch kind {
        case .auth: "authentication_error"
        case .invalidRequest: "invalid_request_error"
        case .rateLimit, .quota: "rate_limit_error"
        case .server: "api_error"
        case .overloaded: "overloaded_error"
        }
        return .object(["type": .string("error"), "error": .object(["type": .string(type), "message": .string(message)])])
    }

    static func anthropicAnswer(_ answer: String, model: String, usage: Usage) -> JSONValue {
        .object([
            "id": .string("msg_fake"), "type": .string("message"), "role": .string("assistant"),
            "model": .string(model),
            "content": .array([.object(["type": .string("text"), "text": .string(answer)])]),
            "stop_reason": .string("end_turn"), "stop_sequence": .null,
            "usage": .object(["input_tokens": .number(Double(usage.prompt)), "output_tokens": .number(Double(usage.completion))]),
        ])
    }

    static func anthropicStream(_ pieces: [String], model: String, usage: Usage) -> StreamFrames {
        var stream = StreamFrames()
        stream.frames.append(sseEvent("message_start", .object([
            "type": .string("message_start"),
            "message": .object([
                "id": .string("msg_fake"), "type": .string("message"), "role": .string("assistant"),
                "model": .string(model), "content": .array([]), "stop_reason": .null,
                "usage": .object(["input_tokens": .number(Double(usage.prompt)), "output_tokens": .number(1)]),
            ]),
        ])))
        stream.frames.append(sseEvent("content_block_start", .object([
            "type": .string("content_block_start"), "index": .number(0),
            "content_block": .object(["type": .string("text"), "text": .string("")]),
        ])))
        stream.frames.append(sseEvent("ping", .object(["type": .string("ping")])))
        stream.frames += pieces.map {
            sseEvent("content_block_delta", .object([
                "type": .string("content_block_delta"), "index": .number(0),
                "delta": .object(["type": .string("text_delta"), "text": .string($0)]),
            ]))
        }
        stream.endFrames.append(sseEvent("content_block_stop", .object(["type": .string("content_block_stop"), "index": .number(0)])))
        stream.endFrames.append(sseEvent("message_delta", .object([
            "type": .string("message_delta"),
            "delta": .object(["stop_reason": .string("end_turn"), "stop_sequence": .null]),
            "usage": .object(["output_tokens": .number(Double(usage.completion))]),
        ])))
        stream.endFrames.append(sseEvent("message_stop", .object(["type": .string("message_stop")])))
        return stream
    }

    /// The `error` event Anthropic sends when a stream fails part-way.
    static func anthropicStreamError(_ message: String) -> String {
        sseEvent("error", .object([
            "type": .string("error"), "error": .object(["type": .string("overloaded_error"), "message": .string(message)]),
        ]))
    }
}
