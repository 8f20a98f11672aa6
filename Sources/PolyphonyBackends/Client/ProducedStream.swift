import PolyphonyCore

/// A chat-event stream fed by `produce` in a child task; the task is cancelled as soon as
/// the consumer stops listening, which is how dropping a stream aborts its HTTP request.
/// An error thrown by `produce` ends the stream with that error.
func producedStream(
    _ produce: @escaping @Sendable (AsyncThrowingStream<ChatStreamEvent, any Error>.Continuation) async throws -> Void
) -> AsyncThrowingStream<ChatStreamEvent, any Error> {
    let (stream, continuation) = AsyncThrowingStream<ChatStreamEvent, any Error>.makeStream()
    let task = Task {
        do {
            try await produce(continuation)
            continuation.finish()
        } catch {
            continuation.finish(throwing: error)
        }
    }
    continuation.onTermination = { _ in task.cancel() }
    return stream
}
