import Foundation

/// A failure the fake server plays instead of (or in the middle of) a normal answer.
///
/// Scripted faults are queued with ``FakeLLMServer/inject(_:times:)`` and hit the next
/// chat or embedding requests in arrival order. Each dialect renders a fault in its own
/// error format (OpenAI `{"error":{…}}`, Anthropic `{"type":"error",…}`, Ollama
/// `{"error":"…"}`, Gemini `{"error":{"code":…,"status":…}}`).
package enum FakeLLMFault: Sendable, Hashable {
    /// HTTP 429 with an optional `Retry-After` value, sent verbatim (seconds or an HTTP date).
    case rateLimited(retryAfter: String?)
    /// HTTP 429 saying the account's quota is used up (`insufficient_quota`): must not be retried.
    case quotaExhausted
    /// HTTP 500.
    case serverError
    /// HTTP 529, Anthropic's "overloaded".
    case overloaded
    /// HTTP 401 with an invalid-key message.
    case unauthorized
    /// Any status with a provider error message.
    case status(Int, message: String)
    /// A streaming answer stops half-way: the connection closes before the end marker.
    /// A non-streaming request gets half its body and then the connection closes.
    case dropStreamHalfway
    /// HTTP 200 whose body is not valid JSON (or, when streaming, a data line that is not).
    case malformedJSON
    /// Waits this long before sending anything, then answers normally.
    case slowFirstByte(Duration)
    /// HTTP 200, then an error in the stream's own format half-way (Ollama's `{"error":…}`
    /// line, Anthropic's `error` event, an OpenAI `error` chunk). Non-streaming: status 500.
    case midStreamError(message: String)
}
