/// Races a session (or a batch of them) against stop requests such as Ctrl-C.
///
/// A stop request cancels the work rather than killing it: a cancelled orchestrator still
/// writes its `end` event (status interrupted) and returns, and that record is the result.
/// `polyphony run` and `polyphony experiment run` both supervise their work with this type,
/// so the two stop the same way.
public struct SessionSupervisor<Stop: Sendable>: Sendable {
    private let stops: AsyncStream<Stop>

    /// - Parameter stops: Each element asks the work to stop (e.g. SIGINT and SIGTERM as they arrive).
    public init(stops: AsyncStream<Stop>) {
        self.stops = stops
    }

    private enum Child<Result: Sendable>: Sendable {
        case finished(Result)
        case companionFinished
        case stopRequested
        case helperFinished
    }

    /// Runs `work` until it returns, cancelling it (and everything else) on a stop request.
    /// - Parameters:
    ///   - work: The session; cancellation asks it to wind down and still return its result.
    ///   - companions: Tasks that must finish before the result is returned, e.g. a view still
    ///     printing the session's last events.
    ///   - helpers: Tasks that only serve the work, e.g. a reader feeding typed lines to a
    ///     human seat; they are cancelled once the work and the companions are done.
    /// - Returns: What `work` returned, or `nil` if it never returned.
    /// - Throws: Whatever `work` throws.
    public func run<Result: Sendable>(
        _ work: @escaping @Sendable () async throws -> Result,
        companions: [@Sendable () async -> Void] = [],
        helpers: [@Sendable () async -> Void] = []
    ) async throws -> Result? {
        try await withThrowingTaskGroup(of: Child<Result>.self) { group in
            group.addTask { .finished(try await work()) }
            for companion in companions {
                group.addTask {
                    await companion()
                    return .companionFinished
                }
            }
            group.addTask { [stops] in
                for await _ in stops { return .stopRequested }
                return .helperFinished
            }
            for helper in helpers {
                group.addTask {
                    await helper()
                    return .helperFinished
                }
            }
            var result: Result?
            var runningCompanions = companions.count
            while let child = try await group.next() {
                switch child {
                case .finished(let value):
                    result = value
                case .companionFinished:
                    runningCompanions -= 1
                case .stopRequested:
                    // Cancellation reaches every in-flight request; the work then records
                    // that it was interrupted and returns.
                    group.cancelAll()
                case .helperFinished:
                    break
                }
                if result != nil, runningCompanions == 0 {
                    group.cancelAll()
                    break
                }
            }
            return result
        }
    }
}
