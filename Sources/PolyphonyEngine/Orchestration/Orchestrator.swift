import Foundation
import Logging
import PolyphonyCore
import PolyphonyTranscript

/// Runs one session: owns its state, drives the protocol's phases, records every turn.
///
/// Protocols call ``runPhase(round:phase:speakers:parallel:brief:)``; independent speakers
/// run as children of a task group, and the parent records their results one at a time, so
/// the transcript is written by one writer in a well-defined order. What can be worked out
/// without the session's state (the prompt's digest, the answer's ideas) is done by the turn's
/// own task, so a parallel phase's serial part is only numbering and writing.
///
/// Every event is written to the file the moment it is recorded (a killed process loses
/// nothing), and its `fsync` starts at once. A person's answer is waited for until it is on
/// disk before the session moves on. An agent's turn, which can be asked again, is not: its
/// `fsync` runs while the next request is out, and everything a turn or a parallel phase
/// recorded is on disk before the session records anything after it. A machine crash
/// therefore loses at most the last turn (or phase) recorded, and only in the few
/// milliseconds its `fsync` takes, as before; `--resume` asks for it again.
public actor Orchestrator {
    /// Why a session stopped early but cleanly.
    enum Stop: Error {
        case humanEnded
        case budgetReached(Int)
    }

    public nonisolated let header: SessionHeader
    public nonisolated let cast: Cast
    let ideationProtocol: any IdeationProtocol
    let writer: TranscriptWriter
    let events: AsyncStream<SessionEvent>.Continuation?
    let human: HumanSlot?
    let prompts: PromptBuilder
    let parser = IdeaParser()
    /// A person's ideas are recorded as typed, however short ("Misting").
    let humanParser: IdeaParser = {
        var parser = IdeaParser()
        parser.minimumLength = 1
        return parser
    }()
    let limits: SessionLimits
    let recordMessages: Bool
    var resume: ResumeState
    /// A recorded session whose human turns and injects are played back (`replay --rerun`).
    let humanRecording: ResumeState?
    /// Says what the session does (turns recorded, human turns skipped, how it ended); every line names the session.
    let logger: Logger

    var lastWritten: UInt64 = 0
    /// Lines that must be on disk before anything more is recorded: those of the last
    /// finished turn of a sequential phase, or of the last finished parallel phase.
    var checkpoint: UInt64 = 0
    /// Lines known to be on disk.
    var durable: UInt64 = 0
    var nextTurnIndex = 0
    var nextIdeaNumber = 1
    var totals = EndRecord.Totals()
    var expertNotes: [String] = []
    /// Every idea so far, in order, for protocols building the next prompts.
    public internal(set) var ideas: [IdeaRecordView] = []
    /// The ids of ``ideas``, for checking what a new idea builds on. Kept beside the array
    /// (never recomputed from it) so a turn costs the same at idea 10 and at idea 60,000.
    var ideaIDs: Set<String> = []
    /// The ideas of each turn, by turn index, for rendering the discussion.
    var ideasByTurn: [Int: [IdeaRecordView]] = [:]
    /// Display names by participant id.
    let names: [String: String]
    /// Every turn so far, in order (resumed turns included).
    public internal(set) var turns: [TurnRecord] = []

    /// How many speakers of a parallel phase are started ahead of the ones being recorded.
    /// Backends bound what is in flight (`max_concurrency`); this bounds what waits for them,
    /// so a 20,000-seat phase does not build 20,000 prompts up front, and a cancel or a
    /// failure has only this many tasks to stop.
    static let parallelWindow = 256

    /// - Parameters:
    ///   - resume: What an earlier run of this session already recorded; its turns are reused.
    ///   - recordMessages: Store every prompt in full in the transcript, not only its digest.
    ///   - humanRecording: Play the human's turns and injects back from this recording instead
    ///     of asking a person, so a whole session can be re-executed and compared.
    ///   - logger: Receives a line per recorded turn (debug), skipped human turn and the session's end; logs nothing by default.
    public init(
        header: SessionHeader, cast: Cast, protocol ideationProtocol: any IdeationProtocol,
        writer: TranscriptWriter, events: AsyncStream<SessionEvent>.Continuation? = nil,
        human: HumanSlot? = nil, resume: ResumeState = ResumeState(), recordMessages: Bool = false,
        humanRecording: ResumeState? = nil,
        logger: Logger = .disabled
    ) {
        var logger = logger
        logger[metadataKey: "session"] = "\(header.sessionId)"
        self.logger = logger
        self.humanRecording = humanRecording
        self.header = header
        self.cast = cast
        self.ideationProtocol = ideationProtocol
        self.writer = writer
        self.events = events
        self.human = human
        self.limits = header.limits ?? SessionLimits()
        self.prompts = PromptBuilder(topic: header.topic, ideasPerTurn: header.limits?.ideasPerTurn ?? 3, structuredOutput: header.structuredOutput ?? false)
        self.recordMessages = recordMessages
        self.resume = resume
        self.nextTurnIndex = resume.nextTurnIndex
        self.nextIdeaNumber = resume.nextIdeaNumber
        self.totals = resume.totals
        self.names = Dictionary(cast.everyone.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
    }

    /// Runs the protocol to the end and writes the `end` event.
    ///
    /// Cancellation (Ctrl-C) ends the session as `interrupted`; a backend failure that
    /// survived its retries ends it as `failed`. Both still write the `end` event.
    /// - Returns: The `end` record written.
    /// - Throws: Only when the transcript itself cannot be written.
    @discardableResult
    public func run() async throws -> EndRecord {
        if resume.isResuming {
            let text = resume.turns.isEmpty
                ? "resumed before the first turn; no recorded turn to reuse"
                : "resumed after turn \(nextTurnIndex - 1); \(resume.turns.count) recorded turns are reused"
            try await record(.note(NoteRecord(text: text, at: Date())))
        } else {
            try await record(.session(header))
        }
        let end: EndRecord
        do {
            try await ideationProtocol.run(in: self)
            try await warnAboutUndeliveredInjects()
            end = EndRecord(status: .completed, totals: totals, at: Date())
        } catch Stop.humanEnded {
            end = EndRecord(status: .completed, reason: "ended by the human with /end", totals: totals, at: Date())
        } catch Stop.budgetReached(let budget) {
            end = EndRecord(status: .completed, reason: "token budget of \(budget) reached", totals: totals, at: Date())
        } catch let error as PolyphonyError where error.isCancellation {
            end = EndRecord(status: .interrupted, reason: error.message, totals: totals, at: Date())
        } catch is CancellationError {
            end = EndRecord(status: .interrupted, reason: "interrupted", totals: totals, at: Date())
        } catch where Task.isCancelled {
            // Whatever a cancelled request threw, the cause was the interruption.
            end = EndRecord(status: .interrupted, reason: "interrupted", totals: totals, at: Date())
        } catch {
            end = EndRecord(status: .failed, reason: "\(error)", totals: totals, at: Date())
        }
        try await record(.end(end))
        try await makeDurable()
        await writer.close()
        logger.info("session ended: \(end.status.rawValue)\(end.reason.map { " (\($0))" } ?? "")")
        return end
    }

    /// Runs one phase: every speaker answers `brief(speaker)`.
    ///
    /// - Parameters:
    ///   - parallel: Speakers work independently and concurrently (nobody sees the others'
    ///     answers of this phase); otherwise they speak in order and each sees the earlier ones
    ///     through the brief the protocol builds.
    ///   - brief: Builds each speaker's brief; for sequential phases it is called just before
    ///     the speaker's turn, so it can include what was said earlier in the phase.
    /// - Returns: The outcomes in speaker order.
    public func runPhase(
        round: Int, phase: String, speakers: [Participant], parallel: Bool,
        brief: @Sendable (Participant) async -> TurnBrief
    ) async throws -> [TurnOutcome] {
        try Task.checkCancellation()
        try checkBudget()
        try await deliverInjects(round: round, phase: phase)
        events?.yield(.phaseStarted(round: round, phase: phase, speakers: speakers.map(\.id), parallel: parallel))
        var outcomes: [String: TurnOutcome] = [:]
        if parallel {
            var briefs: [String: TurnBrief] = [:]
            for speaker in speakers { briefs[speaker.id] = await brief(speaker) }
            let jobs = speakers.map { speaker in (speaker, briefs[speaker.id] ?? TurnBrief(context: "", instruction: "", ideas: .none)) }
            outcomes = try await runParallel(jobs, round: round, phase: phase)
            checkpoint = lastWritten
        } else {
            for speaker in speakers {
                try Task.checkCancellation()
                let brief = await brief(speaker)
                if let recorded = resume.turn(round: round, phase: phase, speaker: speaker.id) {
                    if speaker.isHuman { await human?.skipRecordedAnswer(round: round, phase: phase) }
                    outcomes[speaker.id] = try await adopt(recorded, brief: brief)
                    continue
                }
                if speaker.isHuman, resume.skipped(round: round, phase: phase, speaker: speaker.id) {
                    await human?.skipRecordedAnswer(round: round, phase: phase)
                    outcomes[speaker.id] = TurnOutcome(speaker: speaker.id, text: "", ideas: [], skipped: true)
                    continue
                }
                try checkBudget()
                let request = makeRequest(for: speaker, brief: brief, round: round, phase: phase)
                events?.yield(.turnStarted(speaker: speaker.id, round: round, phase: phase))
                if speaker.isHuman, let played = playedBack(speaker, round: round, phase: phase) {
                    outcomes[speaker.id] = try await recordTurn(played, round: round, phase: phase, brief: brief)
                    checkpoint = lastWritten
                    continue
                }
                let result = try await Self.perform(
                    speaker: speaker, request: request, humanPrompt: prompts.humanPrompt(brief: brief, expertNotes: expertNotes),
                    human: human, limits: limits, round: round, phase: phase, stream: true, events: events,
                    ideas: brief.ideas, parser: parser
                )
                outcomes[speaker.id] = try await recordTurn(result, round: round, phase: phase, brief: brief)
                checkpoint = lastWritten
            }
        }
        return speakers.compactMap { outcomes[$0.id] }
    }

    private func checkBudget() throws {
        if let budget = limits.tokenBudget, totals.promptTokens + totals.completionTokens >= budget {
            throw Stop.budgetReached(budget)
        }
    }

    // MARK: - What protocols show

    /// Every turn so far of the given phases (all when `nil`), with each turn's ideas and
    /// their ids, clipped to the most recent ``Discussion/maxCharacters`` characters.
    ///
    /// Only the turns that fit are read, newest first, so building a prompt costs the same
    /// however long the session has run.
    public func discussion(phases: Set<String>? = nil) -> String {
        Discussion.transcript(turns: turns, ideasOfTurn: { self.ideasByTurn[$0] ?? [] }, names: names, phases: phases)
    }
}
