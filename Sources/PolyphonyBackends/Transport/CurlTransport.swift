import Foundation
import Synchronization

/// The production ``HTTPTransport``: libcurl's multi interface, driven by one thread per transport.
///
/// The thread sleeps in `curl_multi_poll` while requests wait for an answer, so waiting on a
/// slow model costs no CPU (URLSession on Linux kept a core half busy re-arming a watcher on
/// the writable socket). Each backend owns one transport, so the connection limit per host
/// follows that backend's `max_concurrency`; further requests wait in libcurl's queue.
///
/// All three deadlines are enforced: the connect timeout by libcurl, the first-byte deadline
/// (from sending until the response head) and the total deadline by two timers per request
/// that sleep on the injected clock, so tests move them with a manual clock. Redirects are
/// never followed: a 3xx comes back as an ordinary response. No cookies are kept.
///
/// The thread ends after the transport is released and its last request has finished.
package final class CurlTransport: HTTPTransport {
    private let loop: CurlMultiLoop
    private let timeouts: HTTPTimeouts
    private let clock: any Clock<Duration>

    /// Creates a transport with its own connection pool and thread.
    /// - Parameters:
    ///   - maxConnections: Concurrent connections to one host; follow the backend's `max_concurrency`.
    ///   - timeouts: Deadlines for every request sent through this transport.
    ///   - clock: What the first-byte and total deadlines are measured on.
    package init(maxConnections: Int, timeouts: HTTPTimeouts, clock: any Clock<Duration> = ContinuousClock()) {
        loop = CurlMultiLoop(maxConnections: max(1, maxConnections), timeouts: timeouts)
        self.timeouts = timeouts
        self.clock = clock
    }

    deinit {
        loop.close()
    }

    package func execute(_ request: HTTPOutgoingRequest) async throws -> HTTPStreamingResponse {
        try Task.checkCancellation()
        let loop = self.loop
        let id = loop.nextID()
        let (body, bodyContinuation) = AsyncThrowingStream<Data, any Error>.makeStream()
        let deadlines = RequestDeadlines()
        bodyContinuation.onTermination = { termination in
            deadlines.cancel()
            // The consumer went away (cancelled or dropped the stream): stop the transfer.
            if case .cancelled = termination { loop.abort(id, because: .cancelled) }
        }
        let head: HTTPResponseHead
        do {
            head = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponseHead, any Error>) in
                    loop.start(CurlExchange(id: id, request: request, head: continuation, body: bodyContinuation))
                    // Only now: a deadline posted before the start would find nothing to abort.
                    deadlines.start { startDeadlines(for: id) }
                    // A cancellation that came before the start was posted found nothing to abort.
                    if Task.isCancelled { loop.abort(id, because: .cancelled) }
                }
            } onCancel: {
                loop.abort(id, because: .cancelled)
            }
        } catch {
            deadlines.cancel()
            throw error
        }
        return HTTPStreamingResponse(head: head, body: body)
    }

    /// One timer for request `id` on the clock: at the first-byte deadline it aborts the request
    /// if its head has not come, at the total deadline it aborts it outright. Cancel it when
    /// the request ends. One sleeper at a time, and the first-byte deadline wins a tie.
    private func startDeadlines(for id: Int) -> Task<Void, Never> {
        let (clock, loop, timeouts) = (self.clock, self.loop, self.timeouts)
        let total = CurlTransfer.milliseconds(timeouts.total)
        let firstByte = CurlTransfer.milliseconds(timeouts.firstByte)
        return Task {
            do {
                var slept = 0
                if firstByte <= total {
                    try await clock.sleep(for: .milliseconds(firstByte))
                    loop.abort(id, because: .timedOut(phase: "first byte", seconds: timeouts.firstByte), onlyBeforeHead: true)
                    slept = firstByte
                }
                try await clock.sleep(for: .milliseconds(total - slept))
                loop.abort(id, because: .timedOut(phase: "total", seconds: timeouts.total))
            } catch {
                return  // cancelled: the request ended in time
            }
        }
    }
}

/// The deadline timer of one request. Cancelling it before it starts keeps it from starting.
private final class RequestDeadlines: Sendable {
    private let state = Mutex<(timer: Task<Void, Never>?, cancelled: Bool)>((nil, false))

    func start(_ makeTimer: () -> Task<Void, Never>) {
        state.withLock { state in
            if !state.cancelled { state.timer = makeTimer() }
        }
    }

    func cancel() {
        state.withLock { state in
            state.cancelled = true
            state.timer?.cancel()
        }
    }
}
