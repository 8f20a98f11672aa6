/// A model server that answers chat requests.
///
/// Implementations apply their own retries, rate limits and caching, so callers see one
/// logical request per call. Cancelling the calling task aborts the HTTP request.
public protocol ChatBackend: Sendable {
    /// The backends-file entry name; it appears in errors and transcripts.
    var name: String { get }
    /// The model the backend asks for when a request names none.
    var defaultModel: String { get }

    /// Sends one request and waits for the whole answer.
    /// - Throws: ``PolyphonyError`` naming the backend and status when the server fails.
    func complete(_ request: ChatRequest) async throws -> ChatResponse

    /// Sends one request and yields text as it arrives, ending with ``ChatStreamEvent/completed(_:)``.
    func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatStreamEvent, any Error>
}

extension ChatBackend {
    /// Streams by waiting for the whole answer: the fallback for servers without streaming.
    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatStreamEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<ChatStreamEvent, any Error>.makeStream()
        let task = Task {
            do {
                let response = try await complete(request)
                continuation.yield(.delta(response.text))
                continuation.yield(.completed(response))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
