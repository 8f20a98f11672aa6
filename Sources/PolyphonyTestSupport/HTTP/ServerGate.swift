import Dispatch
import Synchronization

/// Holds server handlers until the test opens it, so a test decides when answers go out.
///
/// A handler (or a ``FakeLLMServer`` responder) calls ``wait()`` on its connection thread;
/// every waiter, and every later caller, passes once ``open()`` is called. A test that never
/// opens it makes the waiters give up after `timeout`, so the test fails instead of hanging.
package final class ServerGate: Sendable {
    private let opened = DispatchGroup()
    private let isOpen = Mutex(false)
    private let timeout: Duration

    /// - Parameter timeout: How long a handler waits at most; a hang guard, not a measurement.
    package init(timeout: Duration = .seconds(120)) {
        self.timeout = timeout
        opened.enter()
    }

    /// Lets every waiting and later handler through; opening it again does nothing.
    package func open() {
        let first = isOpen.withLock { isOpen in
            defer { isOpen = true }
            return !isOpen
        }
        if first { opened.leave() }
    }

    /// Blocks until ``open()`` (or the timeout).
    /// - Returns: `false` when the wait gave up.
    @discardableResult
    package func wait() -> Bool {
        let (seconds, attoseconds) = timeout.components
        let limit = DispatchTimeInterval.milliseconds(Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
        return opened.wait(timeout: .now() + limit) == .success
    }
}
