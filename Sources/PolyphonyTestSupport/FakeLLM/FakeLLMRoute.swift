import Foundation

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
