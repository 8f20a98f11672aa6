import Foundation
import PolyphonyCore

/// One provider's wire format: how to build a chat request and read its answer, whole or streamed.
///
/// Dialects are pure translation; retries, limits and timeouts live in ``HTTPChatBackend``.
public protocol ChatDialect: Sendable {
    /// The backends-file kind this dialect serves.
    var kind: BackendConfiguration.Kind { get }
    /// How the streamed body is framed.
    var streamFraming: StreamFraming { get }

    /// Builds the HTTP request for `request`.
    /// - Parameters:
    ///   - baseURL: The entry's `base_url`, without a trailing slash.
    ///   - model: The model to ask for (the request's, or the entry's default).
    ///   - stream: Whether to ask for a streamed answer.
    ///   - apiKey: The key read from the environment, if any.
    /// - Throws: ``DialectError`` when the request cannot be expressed (a bad URL).
    func makeRequest(_ request: ChatRequest, baseURL: String, model: String, stream: Bool, apiKey: String?) throws -> HTTPOutgoingRequest

    /// Reads a whole (non-streamed) answer.
    /// - Throws: ``DialectError`` when the body is not the JSON this dialect promises.
    func decodeResponse(_ body: Data) throws -> DialectResponse

    /// Reads one frame of a streamed answer.
    /// - Throws: ``DialectError`` when the frame is not valid JSON.
    func decodeStreamFrame(_ frame: StreamFrame) throws -> [DialectStreamEvent]
}

/// How a streamed body is cut into frames.
public enum StreamFraming: Sendable {
    /// Server-sent events: `event:` and `data:` lines, frames end at a blank line.
    case serverSentEvents
    /// One JSON object per line (Ollama).
    case jsonLines
}

/// One server-sent event, or one line of a JSON-lines stream (then `event` is `nil`).
public struct StreamFrame: Sendable, Hashable {
    /// The `event:` field, when the server named the event.
    public var event: String?
    /// The `data:` lines joined with newlines, or the whole JSON line.
    public var data: String

    /// Creates a frame.
    public init(event: String? = nil, data: String) {
        self.event = event
        self.data = data
    }
}

/// A whole answer as a dialect read it.
public struct DialectResponse: Sendable, Hashable {
    /// The answer text.
    public var text: String
    /// Why generation stopped.
    public var finishReason: FinishReason
    /// Token counts the provider reported.
    public var usage: TokenUsage
    /// The model the provider says answered.
    public var model: String?

    /// Creates an answer; public so a dialect written outside this module can return one.
    public init(text: String, finishReason: FinishReason, usage: TokenUsage, model: String? = nil) {
        self.text = text
        self.finishReason = finishReason
        self.usage = usage
        self.model = model
    }
}

/// What one stream frame means.
public enum DialectStreamEvent: Sendable, Hashable {
    /// More answer text.
    case delta(String)
    /// Token counts; `nil` parts leave earlier values alone.
    case usage(prompt: Int?, completion: Int?)
    /// Why generation stopped.
    case finish(FinishReason)
    /// The model that answered.
    case model(String)
    /// The dialect's end marker: the answer is complete.
    case end
    /// The provider reported an error inside a 200 stream.
    case failure(message: String, retryable: Bool)
}

/// A provider's response did not have the shape its dialect promises.
public struct DialectError: Error, Sendable, CustomStringConvertible, Hashable {
    /// What was wrong, with a short excerpt of the offending text.
    public let description: String

    /// Creates an error with its one-line description.
    public init(_ description: String) { self.description = description }

    static func notJSON(_ what: String, _ data: Data) -> Self {
        Self("\(what) is not valid JSON: \(excerpt(data))")
    }

    static func excerpt(_ data: Data) -> String {
        let text = String(decoding: data.prefix(120), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        return data.count > 120 ? "“\(text)…”" : "“\(text)”"
    }
}

/// Helpers every dialect shares.
enum DialectSupport {
    /// A request body: compact JSON, keys sorted, written without JSONEncoder (every turn sends one).
    static func json(_ value: JSONValue) -> Data {
        var bytes: [UInt8] = []
        CanonicalJSON.append(value, to: &bytes)
        return Data(bytes)
    }

    static func parse(_ data: Data, what: String) throws -> JSONValue {
        // Every stream frame and answer comes through here; the byte-level reader takes the
        // plain ones and leaves anything unusual to JSONDecoder, whose results it matches.
        if let value = JSONValueParser.parse(data) { return value }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw DialectError.notJSON(what, data)
        }
    }

    static func url(_ string: String) throws -> URL {
        guard let url = URL(string: string), url.scheme == "http" || url.scheme == "https" else {
            throw DialectError("base_url does not make a valid http(s) URL: \(string)")
        }
        return url
    }

    static func int(_ value: JSONValue?) -> Int? { value?.doubleValue.map { Int($0) } }

    static func number(_ value: Double?) -> JSONValue? { value.map { .number($0) } }

    /// The provider's own error text from an error body, in any of the shapes providers use.
    static func errorText(_ body: Data) -> String? {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: body) else {
            let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? nil : text
        }
        if let message = value["error"]?["message"]?.stringValue { return message }
        if let message = value["error"]?.stringValue { return message }
        if let message = value["message"]?.stringValue { return message }
        if let message = value["detail"]?.stringValue { return message }
        return String(decoding: body.prefix(300), as: UTF8.self)
    }
}
