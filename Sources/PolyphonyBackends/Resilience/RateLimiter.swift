import Foundation
import PolyphonyCore

/// Bounds one backend's load: at most `maxConcurrent` requests in flight and at most
/// `requestsPerMinute` started in any 60-second window.
///
/// One limiter belongs to one backend instance, and every agent using that backend shares
/// it, so the bound holds for the whole session. Waiters are served first come, first served;
/// a cancelled waiter leaves the queue at once.
public actor RateLimiter {
    /// The most requests in flight at once.
    public nonisolated let maxConcurrent: Int
    /// The most requests started per rolling minute, or `nil` for no such limit.
    public nonisolated let requestsPerMinute: Int?

    private var active = 0
    /// Waiters by id, and their ids in arrival order from `head` on; a cancelled waiter leaves
    /// the dictionary at once and its id is skipped later, so both ends cost O(1).
    private var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
    private var queue: [UInt64] = []
    private var head = 0
    private var nextWaiter: UInt64 = 0
    /// Start times, as offsets on ``stopwatch``.
    private var starts: [Duration] = []
    private let clock: any Clock<Duration>
    private let stopwatch: Stopwatch
    private let window: Duration

    /// - Parameters:
    ///   - maxConcurrent: In-flight bound, at least 1.
    ///   - requestsPerMinute: Start-rate bound, or `nil`.
    ///   - window: The rate window; a minute, shorter only in tests.
    ///   - clock: What the rate window is measured and waited on; tests pass a manual clock.
    public init(
        maxConcurrent: Int, requestsPerMinute: Int? = nil, window: Duration = .seconds(60),
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.maxConcurrent = max(1, maxConcurrent)
        self.requestsPerMinute = requestsPerMinute.map { max(1, $0) }
        self.window = window
        self.clock = clock
        self.stopwatch = Stopwatch(clock)
    }

    /// Requests in flight right now.
    public var inFlight: Int { active }

    /// Callers queued for a slot right now (not those waiting only for the rate window).
    public var waiting: Int { waiters.count }

    /// Runs `body` holding one slot, waiting for a slot (and for the rate window) first.
    /// - Throws: `CancellationError` when cancelled while waiting, or whatever `body` throws.
    public nonisolated func withPermit<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }

    /// Takes a slot, waiting as long as needed. Pair with ``release()``.
    public func acquire() async throws {
        try Task.checkCancellation()
        if active < maxConcurrent {
            active += 1
        } else {
            let id = nextWaiter
            nextWaiter += 1
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        waiters[id] = continuation
                        queue.append(id)
                    }
                }
            } onCancel: {
                Task { await self.cancelWaiter(id) }
            }
            // A cancel that raced with the hand-over: pass the slot on rather than start a request.
            if Task.isCancelled {
                release()
                throw CancellationError()
            }
        }
        do {
            try await waitForRateWindow()
        } catch {
            release()
            throw error
        }
    }

    /// Gives a slot back, handing it straight to the longest waiter.
    public func release() {
        while head < queue.count {
            let id = queue[head]
            head += 1
            if head > 1024, head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            if let continuation = waiters.removeValue(forKey: id) {
                continuation.resume()
                return
            }
        }
        queue.removeAll(keepingCapacity: true)
        head = 0
        active = max(0, active - 1)
    }

    private func cancelWaiter(_ id: UInt64) {
        waiters.removeValue(forKey: id)?.resume(throwing: CancellationError())
    }

    private func waitForRateWindow() async throws {
        guard let limit = requestsPerMinute else { return }
        while true {
            let now = stopwatch.elapsed
            starts.removeAll { now - $0 >= window }
            if starts.count < limit {
                starts.append(now)
                return
            }
            // The oldest start leaves the window first; sleeping releases the actor meanwhile.
            try await clock.sleep(for: starts[0] + window - now)
        }
    }
}
