/// Time elapsed on an injected clock since the stopwatch was made.
///
/// Code that waits takes `any Clock<Duration>` (tests pass a manual clock). Such a clock's
/// instants have no type a property can name, so code that must remember points in time
/// (a rate window, a deadline) keeps them as offsets from one of these.
package struct Stopwatch: Sendable {
    private let read: @Sendable () -> Duration

    /// Starts measuring on `clock` now.
    package init(_ clock: any Clock<Duration>) { read = Self.reader(clock) }

    /// The time since ``init(_:)`` on the stopwatch's clock.
    package var elapsed: Duration { read() }

    private static func reader<C: Clock<Duration>>(_ clock: C) -> @Sendable () -> Duration {
        let start = clock.now
        return { start.duration(to: clock.now) }
    }
}
