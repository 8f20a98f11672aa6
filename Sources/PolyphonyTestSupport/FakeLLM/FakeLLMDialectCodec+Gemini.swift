import PolyphonyCore

/// Gemini's `generateContent` and `streamGenerateContent?alt=sse`, the model named in the path.
extension FakeLLMDialectCodec {
    static func decodeGemini(_ body: JSONValue, _ request: LoopbackRequest, model: String?, stream: Bool) -> Decoded {
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

    static func geminiError(_ kind: ErrorKind, status: Int, message: String) -> JSONValue {
        let statusName: String = switch kind {
        case .auth: "UNAUTHENTICATED"
        case .invalidRequest: "INVALID_ARGUMENT"
        case .rateLimit, .quota: "RESOURCE_EXHAUSTED"
        case .server: "INTERNAL"
        case .overloaded: "UNAVAILABLE"
        }
        return .object(["error": .object(["code": .number(Double(status)), "message": .string(message), "status": .string(statusName)])])
    }

    /// Gemini streams whole-answer-shaped chunks; only the last carries usage.
    static func geminiStream(_ pieces: [String], model: String, usage: Usage) -> StreamFrames {
        StreamFrames(frames: pieces.enumerated().map { index, piece in
            let last = index == pieces.count - 1
            return sseData(geminiChunk(
                text: piece, finish: last, model: model,
                promptTokens: usage.prompt, completionTokens: last ? usage.completion : nil
            ))
        })
    }

    /// One answer chunk; the whole answer is a single finished chunk with usage.
    static func geminiChunk(text: String, finish: Bool, model: String, promptTokens: Int, completionTokens: Int?) -> JSONValue {
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
}
