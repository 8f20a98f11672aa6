import Logging
import PolyphonyCore
import PolyphonyTranscript

extension SessionPlan {
    /// Plans the re-execution of a completed recording from its first turn, so the new
    /// transcript can be compared with the old one (`polyphony replay --rerun`).
    ///
    /// Every seat is bound to `backend` (in practice a replay backend answering from the
    /// recording), and the human's turns and injects are played back from the recording.
    /// - Parameters:
    ///   - recording: The recorded transcript's events.
    ///   - file: The recorded transcript, for error messages.
    ///   - backend: Answers every agent seat.
    /// - Throws: ``PolyphonyError`` (invalid input) when there is no header, the recording did not
    ///   complete (it has no answer for the turns it never took), or the protocol is unknown.
    public static func rerun(recording: [TranscriptEvent], file: String, backend: any ChatBackend) throws -> SessionPlan {
        let state = ResumeState(events: recording)
        guard let header = state.header else {
            throw PolyphonyError.invalidInput("no session header", file: file, line: 1)
        }
        guard state.lastEndStatus == .completed else {
            throw PolyphonyError.invalidInput(
                "the recording did not complete (\(state.lastEndStatus.map { "ended \($0.rawValue)" } ?? "no end event")); finish it with `polyphony run --resume \(file)`, then rerun",
                file: file
            )
        }
        let cast = try SessionBinder.bind(header: header, file: file) { _ in backend }
        guard let protocolType = IdeationProtocols.named(header.protocolName) else {
            throw PolyphonyError.invalidInput("unknown protocol '\(header.protocolName)'", file: file, line: 1)
        }
        var plan = SessionPlan(header: header, cast: cast, protocolType: protocolType, resume: ResumeState())
        plan.humanRecording = state
        return plan
    }
}

extension SessionPlan {
    /// What re-executing a recording gave.
    public struct RerunResult: Sendable {
        /// The new transcript's `end` event.
        public var end: EndRecord
        /// The recording against the new transcript, turn by turn and idea by idea.
        public var comparison: TranscriptComparison
    }

    /// Runs this plan (made by ``rerun(recording:file:backend:)``) into a new transcript and
    /// compares it with the recording.
    /// - Parameters:
    ///   - recording: The recorded events the plan was made from.
    ///   - path: The new transcript; it must not exist yet.
    ///   - logger: Where the rerun's turns and retries are logged.
    /// - Throws: ``PolyphonyError`` when the new transcript cannot be written or read back.
    public func rerunCompared(
        with recording: [TranscriptEvent], writingTo path: String,
        logger: Logger = .disabled
    ) async throws -> RerunResult {
        let end = try await orchestrator(writer: try TranscriptWriter(path: path, opening: .new), logger: logger).run()
        let (rerun, _) = try TranscriptReader(path: path).readAll()
        return RerunResult(end: end, comparison: TranscriptComparison(recorded: recording, rerun: rerun))
    }
}
