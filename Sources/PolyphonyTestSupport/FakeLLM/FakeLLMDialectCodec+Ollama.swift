import PolyphonyCore

/// Ollama's native API (`/api/chat`, `/api/embed`): newline-delimited JSON, streaming by default.
extension FakeLLMDialectCodec {
    static func decodeOllama(_ body: JSONValue) -> Decoded {
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
    }

    static func ollamaError(_ message: String) -> JSONValue {
        .object(["error": .string(message)])
    }

    /// One answer object: a stream line, or (with `done`) the last line or the whole answer.
    static func ollamaLine(_ text: String, done: Bool, model: String, usage: Usage) -> JSONValue {
        var object: [String: JSONValue] = [
            "model": .string(model), "created_at": .string("2026-01-01T00:00:00Z"),
            "message": .object(["role": .string("assistant"), "content": .string(text)]), "done": .bool(done),
        ]
        if done {
            object["done_reason"] = .string("stop")
            object["prompt_eval_count"] = .number(Double(usage.prompt))
            object["eval_count"] = .number(Double(usage.completion))
        }
        return .object(object)
    }

    static func ollamaStream(_ pieces: [String], model: String, usage: Usage) -> StreamFrames {
        func line(_ text: String, done: Bool) -> String {
            String(decoding: json(ollamaLine(text, done: done, model: model, usage: usage)), as: UTF8.self) + "\n"
        }
        return StreamFrames(frames: pieces.map { line($0, done: false) }, endFrames: [line("", done: true)])
    }

    /// The error line Ollama sends when a stream fails part-way.
    static func ollamaStreamError(_ message: String) -> String {
        String(decoding: json(ollamaError(message)), as: UTF8.self) + "\n"
    }

    static func ollamaEmbeddings(_ vectors: [JSONValue], model: String) -> JSONValue {
        .object(["model": .string(model), "embeddings": .array(vectors)])
    }
}
