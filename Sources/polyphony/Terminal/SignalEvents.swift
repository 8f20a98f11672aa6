import Dispatch
import Foundation

/// SIGINT and SIGTERM as an async stream, so Ctrl-C cancels the session's task group
/// instead of killing the process before the `end` event is written.
enum SignalEvents {
    static func stream(_ signals: [Int32] = [SIGINT, SIGTERM]) -> AsyncStream<Int32> {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        var sources: [any DispatchSourceSignal] = []
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        let retained = SourceBox(sources)
        continuation.onTermination = { _ in retained.cancel() }
        return stream
    }

    private final class SourceBox: @unchecked Sendable {
        // Only touched at creation and in `cancel`, which the stream calls once.
        let sources: [any DispatchSourceSignal]
        init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }
        func cancel() { sources.forEach { $0.cancel() } }
    }
}
