import Synchronization

/// A clock that moves only when a test calls ``advance(by:)``.
///
/// Code under test takes `any Clock<Duration>`; a test hands it a manual clock, waits until
/// the code is asleep on it (``waitForSleepers(_:)``), then moves time on. Sleepers whose
/// deadline has come resume in deadline order (ties in the order they fell asleep), so a test
/// never sleeps for real and never depends on how busy the machine is.
///
/// ```swift
/// let clock = ManualClock()
/// let limiter = RateLimiter(maxConcurrent: 1, requestsPerMinute: 1, clock: clock)
/// async let second: Void = limiter.withPermit {}
/// await clock.waitForSleepers(1)
/// clock.advance(by: .seconds(60))
/// ```
package final class ManualClock: Clock, Sendable {
    /// A point on a manual clock: the time advanced since the clock was made.
    package struct Instant: InstantProtocol, CustomStringConvertible {
        /// Time since the clock's start.
        package var offset: Duration

        /// - Parameter offset: Time since the clock's start.
        package init(offset: Duration) { self.offset = offset }

        package func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        package func duration(to other: Instant) -> Duration { other.offset - offset }
        package static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        package var description: String { "\(offset)" }
    }

    private struct Sleeper {
        var id: UInt64
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var nextID: UInt64 = 0
        var sleepers: [Sleeper] = []
        /// Every sleep that ever suspended, woken or not.
        var sleeps = 0
        /// Tests waiting for a condition on the sleepers.
        var watchers: [(isMet: @Sendable (State) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []

        /// Removes and returns the watchers whose condition now holds.
        mutating func metWatchers() -> [CheckedContinuation<Void, Never>] {
            let state = self
            let met = watchers.filter { $0.isMet(state) }.map(\.continuation)
            watchers.removeAll { $0.isMet(state) }
            return met
        }
    }

    private let state = Mutex(State())

    /// A clock at offset zero with nobody asleep.
    package init() {}

    package var now: Instant { state.withLock { $0.now } }

    /// A manual clock has no granularity: a deadline is met exactly when time reaches it.
    package var minimumResolution: Duration { .zero }

    /// How many tasks are asleep on this clock right now.
    package var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The deadlines of the tasks asleep right now, earliest first.
    package var sleeperDeadlines: [Instant] { state.withLock { $0.sleepers.map(\.deadline).sorted() } }

    /// Suspends until ``advance(by:)`` reaches `deadline`, at once when it has been reached.
    /// - Throws: `CancellationError` when the sleeping task is cancelled first.
    package func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let woken: [CheckedContinuation<Void, Never>] = state.withLock { state in
                    if deadline <= state.now {
                        continuation.resume()
                        return []
                    }
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                        return []
                    }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    state.sleeps += 1
                    return state.metWatchers()
                }
                for watcher in woken { watcher.resume() }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time on by `duration` and resumes every sleeper whose deadline has come, the
    /// earliest deadline first.
    package func advance(by duration: Duration) {
        let due: [Sleeper] = state.withLock { state in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due.sorted { ($0.deadline, $0.id) < ($1.deadline, $1.id) }
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Moves time on to the earliest sleeper's deadline, waking it (and any due with it).
    package func advanceToNextDeadline() {
        guard let next = sleeperDeadlines.first else { return }
        advance(by: now.duration(to: next))
    }

    /// Returns once at least `count` tasks are asleep on this clock.
    package func waitForSleepers(_ count: Int) async {
        await wait { $0.sleepers.count >= count }
    }

    /// Returns once `total` sleeps have begun on this clock since it was made, counting those
    /// already woken or cancelled: how a test knows that code went back to sleep.
    package func waitForSleeps(total: Int) async {
        await wait { $0.sleeps >= total }
    }

    private func wait(until isMet: @escaping @Sendable (State) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state in
                if isMet(state) { return true }
                state.watchers.append((isMet, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }
}
