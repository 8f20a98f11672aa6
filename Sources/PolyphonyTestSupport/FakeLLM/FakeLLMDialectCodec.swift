import Foundation
import PolyphonyCore

/// Reads requests and writes answers and errors in one dialect's wire format.
///
/// Each dialect's shapes live in `FakeLLMDialectCodec+<Dialect>.swift`; this file routes to
/// them and plays the faults all dialects share (cut streams, malformed JSON, error statuses).
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

    /// The token counts an answer reports.
    struct Usage {
        var prompt: Int
        var completion: Int
        var total: Int { prompt + completion }
    }

    /// A streamed answer: `frames` carry the text and `endFrames` close the stream. Stream
    /// faults strike halfway through `frames`.
    struct StreamFrames {
        var frames: [String] = []
        var endFrames: [String] = []
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
        guard let body = JSONValueParser.parse(request.body) ?? (try? JSONDecoder().decode(JSONValue.self, from: request.body)) else {
            return Decoded(problem: "request body is not JSON")
        }
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
        case .chat(.openai, _, _): return decodeOpenAI(body)
        case .chat(.anthropic, _, _): return decodeAnthropic(body, request)
        case .chat(.ollama, _, _): return decodeOllama(body)
        case .chat(.gemini, let model, let stream): return decodeGemini(body, request, model: model, stream: stream)
        }
    }

    static func text(_ value: JSONValue?) -> String { value?.stringValue ?? "" }

    static func role(_ name: String?) -> ChatMessage.Role {
        switch name {
        case "system": .system
        case "assistant", "model": .assistant
        default: .user
        }
    }

    static func seed(_ value: JSONValue?) -> UInt64? { value?.doubleValue.map { UInt64($0) } }

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
        let body: JSONValue = switch dialect {
        case .openai: Self.openAIError(kind, message: message)
        case .anthropic: Self.anthropicError(kind, message: message)
        case .ollama: Self.ollamaError(message)
        case .gemini: Self.geminiError(kind, status: status, message: message)
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
        let usage = Self.usage(answer: answer, prompt: prompt)
        let body: JSONValue = switch dialect {
        case .openai: Self.openAIAnswer(answer, model: prompt.model, usage: usage)
        case .anthropic: Self.anthropicAnswer(answer, model: prompt.model, usage: usage)
        case .ollama: Self.ollamaLine(answer, done: true, model: prompt.model, usage: usage)
        case .gemini: Self.geminiChunk(text: answer, finish: true, model: prompt.model, promptTokens: usage.prompt, completionTokens: usage.completion)
        }
        // Integers and text only, so CanonicalJSON gives JSONEncoder's bytes, for less.
        sendBody(Data(CanonicalJSON.text(body).utf8), fault: fault, writer: writer)
    }

    func sendEmbeddings(_ vectors: [[Float]], model: String, fault: FakeLLMFault?, writer: LoopbackResponseWriter) {
        let arrays = vectors.map { JSONValue.array($0.map { .number(Double($0)) }) }
        let body: JSONValue = switch dialect {
        case .ollama: Self.ollamaEmbeddings(arrays, model: model)
        default: Self.openAIEmbeddings(arrays, model: model)
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
        let usage = Self.usage(answer: answer, prompt: prompt)
        let sse = dialect != .ollama
        let stream: StreamFrames = switch dialect {
        case .openai: Self.openAIStream(pieces, model: prompt.model, usage: usage)
        case .anthropic: Self.anthropicStream(pieces, model: prompt.model, usage: usage)
        case .ollama: Self.ollamaStream(pieces, model: prompt.model, usage: usage)
        case .gemini: Self.geminiStream(pieces, model: prompt.model, usage: usage)
        }
        let contentType = sse ? "text/event-stream" : "application/x-ndjson"
        writer.beginStream(status: 200, headers: [("Content-Type", contentType), ("Cache-Control", "no-cache")], framing: options.framing)
        let all = stream.frames + stream.endFrames
        let half = max(1, stream.frames.count / 2)
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
                    writer.write(midStreamError(message))
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

    private func midStreamError(_ message: String) -> String {
        switch dialect {
        case .ollama: Self.ollamaStreamError(message)
        case .anthropic: Self.anthropicStreamError(message)
        // Gemini's SSE stream carries the OpenAI-shaped error frame.
        case .openai, .gemini: Self.openAIStreamError(message)
        }
    }

    // MARK: Helpers

    /// One server-sent event carrying `value` as its data.
    static func sseData(_ value: JSONValue) -> String { "data: " + CanonicalJSON.text(value) + "\n\n" }

    /// One named server-sent event carrying `value` as its data.
    static func sseEvent(_ name: String, _ value: JSONValue) -> String { "event: \(name)\n" + sseData(value) }

    static func usage(answer: String, prompt: FakeLLMPrompt) -> Usage {
        Usage(prompt: tokens(prompt.messages.map(\.content).joined(separator: " ")), completion: tokens(answer))
    }

    /// A crude token count (words) so usage numbers are predictable.
    static func tokens(_ text: String) -> Int {
        // ASCII: the same count from the bytes (space, \t…\r are its whitespace), far cheaper
        // than Characters, in one pass that gives up at the first non-ASCII byte.
        var contiguous = text
        let ascii: Int? = contiguous.withUTF8 { bytes in
            var count = 0
            var inWord = false
            for byte in bytes {
                if byte >= 0x80 { return nil }
                let space = byte == 0x20 || (0x09...0x0D).contains(byte)
                if !space, !inWord { count += 1 }
                inWord = !space
            }
            return count
        }
        return ascii ?? text.split(whereSeparator: \.isWhitespace).count
    }

    /// Cuts text into up to `count` pieces of near-equal length that rejoin to the original.
    static func split(_ text: String, into count: Int) -> [String] {
        // ASCII without CR (which pairs with LF into one Character): Characters are bytes.
        if !text.isEmpty, text.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x0D }) {
            let bytes = Array(text.utf8)
            let size = max(1, (bytes.count + count - 1) / count)
            return stride(from: 0, to: bytes.count, by: size).map { String(decoding: bytes[$0..<min($0 + size, bytes.count)], as: UTF8.self) }
        }
        let characters = Array(text)
        guard !characters.isEmpty else { return [""] }
        let size = max(1, (characters.count + count - 1) / count)
        return stride(from: 0, to: characters.count, by: size).map { String(characters[$0..<min($0 + size, characters.count)]) }
    }

    static func json(_ value: JSONValue) -> Data {
        (try? JSONOutput.makeLineEncoder().encode(value)) ?? Data("null".utf8)
    }
}
