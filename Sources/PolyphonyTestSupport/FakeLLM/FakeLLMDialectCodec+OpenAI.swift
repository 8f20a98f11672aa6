import PolyphonyCore

/// OpenAI's chat completions and embeddings (`/v1/chat/completions`, `/v1/embeddings`).
extension FakeLLMDialectCodec {
    static func decodeOpenAI(_ body: JSONValue) -> Decoded {
        let messages = (body["messages"]?.arrayValue ?? []).map {
            ChatMessage(role: role($0["role"]?.stringValue), content: text($0["content"]))
        }
        return Decoded(prompt: FakeLLMPrompt(
            dialect: .openai, model: text(body["model"]), messages: messages, seed: seed(body["seed"]),
            temperature: body["temperature"]?.doubleValue,
            maxTokens: (body["max_completion_tokens"] ?? body["max_tokens"])?.doubleValue.map { Int($0) },
            stream: body["stream"] == .bool(true)
        ))
    }

    static func openAIError(_ kind: ErrorKind, message: String) -> JSONValue {
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
        return .object(["error": .object(["message": .string(message), "type": .string(type), "code": code])])
    }

    static func openAIAnswer(_ answer: String, model: String, usage: Usage) -> JSONValue {
        .object([
            "id": .string("chatcmpl-fake"), "object": .string("chat.completion"), "created": .number(0),
            "model": .string(model),
            "choices": .array([.object([
                "index": .number(0),
                "message": .object(["role": .string("assistant"), "content": .string(answer)]),
                "finish_reason": .string("stop"),
            ])]),
            "usage": openAIUsage(usage),
        ])
    }

    static func openAIStream(_ pieces: [String], model: String, usage: Usage) -> StreamFrames {
        func chunk(_ delta: JSONValue, finish: JSONValue) -> JSONValue {
            .object([
                "id": .string("chatcmpl-fake"), "object": .string("chat.completion.chunk"), "created": .number(0),
                "model": .string(model),
                "choices": .array([.object(["index": .number(0), "delta": delta, "finish_reason": finish])]),
            ])
        }
        var stream = StreamFrames()
        stream.frames.append(sseData(chunk(.object(["role": .string("assistant"), "content": .string("")]), finish: .null)))
        stream.frames += pieces.map { sseData(chunk(.object(["content": .string($0)]), finish: .null)) }
        stream.endFrames.append(sseData(chunk(.object([:]), finish: .string("stop"))))
        stream.endFrames.append(sseData(.object([
            "id": .string("chatcmpl-fake"), "object": .string("chat.completion.chunk"), "model": .string(model),
            "choices": .array([]), "usage": openAIUsage(usage),
        ])))
        stream.endFrames.append("data: [DONE]\n\n")
        return stream
    }

    /// The error frame an OpenAI-style stream sends in place of its next chunk.
    static func openAIStreamError(_ message: String) -> String {
        sseData(.object(["error": .object(["message": .string(message), "code": .number(500)])]))
    }

    static func openAIEmbeddings(_ vectors: [JSONValue], model: String) -> JSONValue {
        .object([
            "object": .string("list"), "model": .string(model),
            "data": .array(vectors.enumerated().map {
                .object(["object": .string("embedding"), "index": .number(Double($0.offset)), "embedding": $0.element])
            }),
            "usage": .object(["prompt_tokens": .number(1), "total_tokens": .number(1)]),
        ])
    }

    private static func openAIUsage(_ usage: Usage) -> JSONValue {
        .object([
            "prompt_tokens": .number(Double(usage.prompt)), "completion_tokens": .number(Double(usage.completion)),
            "total_tokens": .number(Double(usage.total)),
        ])
    }
}
