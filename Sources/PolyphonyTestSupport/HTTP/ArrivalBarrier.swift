import Dispatch
import Synchronization

/// Holds the first `count` requests at the server until all of them have arrived.
///
/// A handler (or a ``FakeLLMServer`` responder) calls ``arrive()`` on its connection thread.
/// Once `count` requests are held at once, the client has provably run that many in
/// parallel; a test then needs no latency "long enough for them to overlap". Requests after
/// the first `count` pass straight through. A client that never sends `count` at once makes
/// the held requests give up after `timeout`, so the test fails instead of hanging.
///
/// ```swift
/// let barrier = ArrivalBarrier(count: 8)
/// let server = try FakeLLMServer { prompt in
///     barrier.arrive()
///     return FakeLLMServer.numberedIdeas(prompt)
/// }
/// // … 64 requests with max_concurrency 8 …
/// #expect(barrier.wasReached)
/// ```
package final class ArrivalBarrier: Sendable {
    private let count: Int
    private let timeout: DispatchTimeInterval
    private let arrived = Mutex(0)
    private let released = DispatchSemaphore(value: 0)

    /// - Parameters:
    ///   - count: Requests to hold until all of them are in.
    ///   - timeout: How long a held request waits at most; a hang guard, not a measurement.
    package init(count: Int, timeout: Duration = .seconds(120)) {
        self.count = count
        let (seconds, attoseconds) = timeout.components
        self.timeout = .milliseconds(Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }

    /// Whether `count` requests have arrived.
    package var wasReached: Bool { arrived.withLock { $0 >= count } }

    /// Counts one arrival and blocks until `count` have arrived (or the timeout passes).
    /// - Returns: `false` when the wait gave up.
    @discardableResult
    package func arrive() -> Bool {
        let number = arrived.withLock { arrived in
            arrived += 1
            return arrived
        }
        if number > count { return true }
        if number == count {
            for _ in 1..<max(1, count) { released.signal() }
            return true
        }
        return released.wait(timeout: .now() + timeout) == .success
    }
}
