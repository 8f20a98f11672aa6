import PolyphonyCore
import Synchronization
import Testing
@testable import PolyphonyEngine

/// The one way `polyphony run` and `experiment run` race their work against Ctrl-C.
///
/// The time limit only stops a broken supervisor from hanging the run; it is generous because
/// on a loaded 2-core machine these tasks can wait minutes for a thread of the shared pool.
@Suite(.timeLimit(.minutes(10))) struct SessionSupervisorTests {
    /// Waits until the task is cancelled; a stream nobody finishes never ends on its own.
    private static func untilCancelled() async {
        let (never, continuation) = AsyncStream<Void>.makeStream()
        for await _ in never {}
        withExtendedLifetime(continuation) {}
    }

    @Test func theWorksResultIsReturnedWhenNothingStopsIt() async throws {
        let (stops, _) = AsyncStream<Int32>.makeStream()
        let result = try await SessionSupervisor(stops: stops).run { 42 }
        #expect(result == 42)
    }

    @Test func aStopCancelsTheWorkWhichStillReturnsItsResult() async throws {
        let (stops, stop) = AsyncStream<Int32>.makeStream()
        stop.yield(2)
        let result = try await SessionSupervisor(stops: stops).run {
            await Self.untilCancelled()
            return Task.isCancelled ? "interrupted" : "completed"
        }
        #expect(result == "interrupted")
    }

    @Test func theResultWaitsForEveryCompanionUncancelled() async throws {
        let (stops, _) = AsyncStream<Int32>.makeStream()
        let (events, feed) = AsyncStream<Int>.makeStream()
        let drained = Mutex<[Int]?>(nil)
        let result = try await SessionSupervisor(stops: stops).run(
            {
                defer { feed.finish() }
                for value in 1...3 { feed.yield(value) }
                return "done"
            },
            companions: [{
                var seen: [Int] = []
                for await value in events { seen.append(value) }
                // Only recorded when the supervisor let the companion finish on its own.
                if !Task.isCancelled { drained.withLock { $0 = seen } }
            }]
        )
        #expect(result == "done")
        #expect(drained.withLock { $0 } == [1, 2, 3])
    }

    @Test func helpersAreCancelledOnceTheWorkIsDone() async throws {
        let (stops, _) = AsyncStream<Int32>.makeStream()
        let helperCancelled = Mutex(false)
        let result = try await SessionSupervisor(stops: stops).run(
            { "done" },
            helpers: [{
                await Self.untilCancelled()
                helperCancelled.withLock { $0 = Task.isCancelled }
            }]
        )
        #expect(result == "done")
        #expect(helperCancelled.withLock { $0 })
    }

    @Test func anErrorFromTheWorkIsThrown() async throws {
        let (stops, _) = AsyncStream<Int32>.makeStream()
        await #expect(throws: PolyphonyError.self) {
            _ = try await SessionSupervisor(stops: stops).run { () throws -> Int in throw PolyphonyError.invalidInput("bad") }
        }
    }
}
