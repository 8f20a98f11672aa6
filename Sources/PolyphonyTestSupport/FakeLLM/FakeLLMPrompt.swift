import Foundation
import PolyphonyCore

/// What a client asked the fake server for, decoded from any dialect into one shape.
package struct FakeLLMPrompt: Sendable, Hashable {
    /// The wire dialect the request arrived in.
    package enum Dialect: String, Sendable, Hashable, CaseIterable {
        case openai, anthropic, ollama, gemini
    }

    /// The dialect the request arrived in.
    package var dialect: Dialect
    /// The model the client asked for.
    package var model: String
    /// The conversation, with a top-level system prompt (Anthropic, Gemini) put first as a system message.
    package var messages: [ChatMessage]
    /// The sampling seed, where the dialect carries one (not Anthropic).
    package var seed: UInt64?
    /// The sampling temperature, when sent.
    package var temperature: Double?
    /// The output token limit, when sent.
    package var maxTokens: Int?
    /// Whether the client asked for a streamed answer.
    package var stream: Bool

    /// Creates a prompt; the server builds these from requests.
    package init(
        dialect: Dialect, model: String, messages: [ChatMessage], seed: UInt64? = nil,
        temperature: Double? = nil, maxTokens: Int? = nil, stream: Bool = false
    ) {
        self.dialect = dialect
        self.model = model
        self.messages = messages
        self.seed = seed
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.stream = stream
    }

    /// The content of the last user message, or an empty string.
    package var lastUserMessage: String {
        messages.last(where: { $0.role == .user })?.content ?? ""
    }
}

/// One request the fake server saw, kept for assertions.
package struct FakeLLMRecordedRequest: Sendable {
    /// The raw HTTP request, headers and body included.
    package var http: LoopbackRequest
    /// The decoded chat prompt; `nil` for embedding requests and requests that did not parse.
    package var prompt: FakeLLMPrompt?
    /// The texts of an embedding request.
    package var embeddingInputs: [String]
    /// The fault played for this request, if any.
    package var fault: FakeLLMFault?
}
