import Foundation

/// Where an experiment run stands, reported after every session that starts or ends.
public struct ExperimentProgress: Sendable, Hashable {
    /// Sessions in this slice.
    public var total: Int
    /// Sessions that completed, including those found complete from an earlier invocation.
    public var completed = 0
    /// Of `completed`, those that were already complete before this invocation.
    public var skipped = 0
    /// Sessions that ended as failed (a backend error survived its retries).
    public var failed = 0
    /// Sessions in flight.
    public var running = 0
    /// Prompt plus completion tokens of every finished session in this slice.
    public var tokens = 0
    /// Seconds since this invocation started.
    public var elapsed: Double = 0
    /// Sessions this invocation actually ran to an end (the basis of the ETA).
    public var ranHere = 0
    /// The latest thing that happened, for a log line.
    public var latest: String?

    /// Sessions ended either way.
    public var finished: Int { completed + failed }

    /// Seconds until the slice is done, from this invocation's pace; `nil` before the first session ends.
    public var estimatedSecondsLeft: Double? {
        guard ranHere > 0 else { return nil }
        return elapsed / Double(ranHere) * Double(max(0, total - finished))
    }
}

/// How an experiment run ended.
public struct ExperimentOutcome: Sendable, Hashable {
    /// The final progress.
    public var progress: ExperimentProgress
    /// `true` when a signal or cancellation stopped the run before every session ended.
    public var interrupted: Bool
    /// Run id and reason of every failed session.
    public var failures: [(id: String, reason: String)]

    /// Equal progress, interruption and failures.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.progress == rhs.progress && lhs.interrupted == rhs.interrupted
            && lhs.failures.map(\.id) == rhs.failures.map(\.id) && lhs.failures.map(\.reason) == rhs.failures.map(\.reason)
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(progress)
        hasher.combine(interrupted)
        for failure in failures { hasher.combine(failure.id) }
    }
}
