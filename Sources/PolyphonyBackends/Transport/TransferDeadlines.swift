/// The first-byte and total deadlines of one request, decided at whatever instant the caller
/// gives.
///
/// The curl loop's own thread asks at `ContinuousClock.now` and sleeps in `curl_multi_poll`
/// until ``next(waitingForHead:)``. The deadlines are kept there on purpose, not as tasks
/// sleeping on an injected clock: a task pool starved by blocking work (the test suite under
/// load did this) left a 0.3 s first-byte deadline unfired for over 40 s. Being generic over
/// the instant, the rules are tested on a manual clock's instants without waiting.
package struct TransferDeadlines<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    private let timeouts: HTTPTimeouts
    private let firstByte: Instant
    private let total: Instant

    /// Deadlines for a request sent at `start`.
    package init(timeouts: HTTPTimeouts, start: Instant) {
        self.timeouts = timeouts
        firstByte = start.advanced(by: .milliseconds(CurlTransfer.milliseconds(timeouts.firstByte)))
        total = start.advanced(by: .milliseconds(CurlTransfer.milliseconds(timeouts.total)))
    }

    /// The earliest instant at which ``expired(at:waitingForHead:)`` can return an error.
    package func next(waitingForHead: Bool) -> Instant {
        waitingForHead ? min(firstByte, total) : total
    }

    /// The timeout error if a deadline has passed at `now`, the earlier one first (the
    /// first-byte one on a tie). The first-byte deadline counts only while the head is awaited.
    package func expired(at now: Instant, waitingForHead: Bool) -> HTTPTransportError? {
        if waitingForHead, now >= firstByte, firstByte <= total {
            return .timedOut(phase: "first byte", seconds: timeouts.firstByte)
        }
        if now >= total { return .timedOut(phase: "total", seconds: timeouts.total) }
        return nil
    }
}
