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
    private let writer: TranscriptWriter
    private let events: AsyncStream<SessionEvent>.Continuation?
    private let human: HumanSlot?
    private let prompts: PromptBuilder
    private let parser = IdeaParser()
    /// A person's ideas are recorded as typed, however short ("Misting").
    private let humanParser: IdeaParser = {
        var parser = IdeaParser()
        parser.minimumLength = 1
        return parser
    }()
    private let limits: SessionLimits
    private let recordMessages: Bool
    private var resume: ResumeState
    /// A recorded session whose human turns and injects are played back (`replay --rerun`).
    private let humanRecording: ResumeState?
    /// Says what the session does (turns recorded, human turns skipped, how it ended); every line names the session.
    private let logger: Logger

    private var lastWritten: UInt64 = 0
    /// Lines that must be on disk before anything more is recorded: those of the last
    /// finished turn of a sequential phase, or of the last finished parallel phase.
    private var checkpoint: UInt64 = 0
    /// Lines known to be on disk.
    private var durable: UInt64 = 0
    private var nextTurnIndex = 0
    private var nextIdeaNumber = 1
    private var totals = EndRecord.Totals()
    private var expertNotes: [String] = []
    /// Every idea so far, in order, for protocols building the next prompts.
    public private(set) var ideas: [IdeaRecordView] = []
    /// The ids of ``ideas``, for checking what a new idea builds on. Kept beside the array
    /// (never recomputed from it) so a turn costs the same at idea 10 and at idea 60,000.
    private var ideaIDs: Set<String> = []
    /// The ideas of each turn, by turn index, for rendering the discussion.
    private var ideasByTurn: [Int: [IdeaRecordView]] = [:]
    /// Display names by participant id.
    private let names: [String: String]
    /// Every turn so far, in order (resumed turns included).
    public private(set) var turns: [TurnRecord] = []

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

    // MARK: - Turns

    /// Runs the speakers of a parallel phase concurrently and records their results in
    /// speaker order.
    ///
    /// Results are recorded in speaker order as soon as every earlier speaker's result is in,
    /// not in completion order: idea ids and the next round's prompts then do not depend on
    /// which request happened to finish first, so reruns, the response cache and resume all
    /// see the same prompts. At most ``parallelWindow`` speakers are started ahead.
    ///
    /// When a speaker fails for good, no further speaker is started, the ones already working
    /// finish, and every result that arrived is recorded, in speaker order, before the error
    /// ends the session: `--resume` then asks only for what is missing. A cancel stops the
    /// working speakers and likewise keeps what had arrived.
    private func runParallel(_ jobs: [(Participant, TurnBrief)], round: Int, phase: String) async throws -> [String: TurnOutcome] {
        var commit = InOrderCommit(jobs: jobs)
        var failure: (any Error)?
        await withTaskGroup(of: ChildResult.self) { group in
            var next = 0
            var running = 0
            while true {
                while failure == nil, !Task.isCancelled, running < Self.parallelWindow, next < jobs.count {
                    let (speaker, brief) = jobs[next]
                    next += 1
                    if let turn = resume.turn(round: round, phase: phase, speaker: speaker.id) {
                        if speaker.isHuman { await human?.skipRecordedAnswer(round: round, phase: phase) }
                        commit.recorded[speaker.id] = turn
                        continue
                    }
                    if speaker.isHuman, resume.skipped(round: round, phase: phase, speaker: speaker.id) {
                        await human?.skipRecordedAnswer(round: round, phase: phase)
                        commit.skipped.insert(speaker.id)
                        continue
                    }
                    let humanPrompt = speaker.isHuman ? prompts.humanPrompt(brief: brief, expertNotes: expertNotes) : ""
                    events?.yield(.turnStarted(speaker: speaker.id, round: round, phase: phase))
                    running += 1
                    if speaker.isHuman, let played = playedBack(speaker, round: round, phase: phase) {
                        group.addTask { .finished(played) }
                        continue
                    }
                    if speaker.isHuman, let human, await human.isScripted {
                        // A script answers at once; asking in speaker order keeps which turn
                        // takes which answer the same in every run.
                        let answer = await human.answer(prompt: Self.humanHeading(speaker) + humanPrompt, timeout: nil, round: round, phase: phase)
                        group.addTask { .finished(.human(speaker, answer)) }
                        continue
                    }
                    let request = makeRequest(for: speaker, brief: brief, round: round, phase: phase)
                    group.addTask { [human, limits, events, parser] in
                        do {
                            return .finished(try await Self.perform(
                                speaker: speaker, request: request, humanPrompt: humanPrompt, human: human, limits: limits,
                                round: round, phase: phase, stream: false, events: events, ideas: brief.ideas, parser: parser))
                        } catch {
                            return .failed(error)
                        }
                    }
                }
                if failure == nil {
                    do {
                        try await drain(&commit, round: round, phase: phase)
                    } catch {
                        failure = error
                        group.cancelAll()
                    }
                }
                guard let child = await group.next() else { break }
                running -= 1
                switch child {
                case .finished(let result): commit.finished[result.speaker.id] = result
                case .failed(let error):
                    // A cancelled child of a cancelled phase is no failure; any other error is.
                    if failure == nil, !(Task.isCancelled && Self.isCancellation(error)) {
                        failure = error
                        // A person answering in this phase would otherwise learn of it only after answering.
                        events?.yield(.notice("\(error); the session ends as failed once the others in this phase finish (your answer is kept)"))
                    }
                }
            }
        }
        if failure == nil, commit.cursor == jobs.count {
            return commit.outcomes
        }
        try await flush(&commit, round: round, phase: phase)
        if let failure { throw failure }
        throw CancellationError()
    }

    /// The reorder buffer of a parallel phase: results arrive in any order and are recorded
    /// in speaker order.
    struct InOrderCommit {
        let jobs: [(Participant, TurnBrief)]
        var recorded: [String: TurnRecord] = [:]
        /// Human seats whose turn an earlier run recorded as skipped.
        var skipped: Set<String> = []
        var finished: [String: TurnResult] = [:]
        var outcomes: [String: TurnOutcome] = [:]
        var cursor = 0
    }

    /// What a child of a parallel phase hands back; the parent decides what comes next.
    enum ChildResult: Sendable {
        case finished(TurnResult)
        case failed(any Error)
    }

    /// Records every result whose earlier speakers are all recorded.
    private func drain(_ commit: inout InOrderCommit, round: Int, phase: String) async throws {
        while commit.cursor < commit.jobs.count {
            let (speaker, brief) = commit.jobs[commit.cursor]
            if let turn = commit.recorded[speaker.id] {
                commit.outcomes[speaker.id] = try await adopt(turn, brief: brief)
            } else if commit.skipped.contains(speaker.id) {
                commit.outcomes[speaker.id] = TurnOutcome(speaker: speaker.id, text: "", ideas: [], skipped: true)
            } else if let result = commit.finished.removeValue(forKey: speaker.id) {
                commit.outcomes[speaker.id] = try await recordTurn(result, round: round, phase: phase, brief: brief)
            } else {
                return
            }
            commit.cursor += 1
        }
    }

    /// Records, in speaker order, every result that arrived, leaving gaps where a speaker's
    /// result is missing: the phase is ending early and nothing that arrived may be lost.
    private func flush(_ commit: inout InOrderCommit, round: Int, phase: String) async throws {
        var ended = false
        for (speaker, brief) in commit.jobs[commit.cursor...] {
            if let turn = commit.recorded[speaker.id] {
                commit.outcomes[speaker.id] = try await adopt(turn, brief: brief)
            } else if let result = commit.finished.removeValue(forKey: speaker.id) {
                do {
                    commit.outcomes[speaker.id] = try await recordTurn(result, round: round, phase: phase, brief: brief)
                } catch Stop.humanEnded {
                    ended = true
                }
            }
        }
        commit.cursor = commit.jobs.count
        if ended { throw Stop.humanEnded }
    }

    private static func isCancellation(_ error: any Error) -> Bool {
        if error is CancellationError { return true }
        if let error = error as? PolyphonyError, error.isCancellation { return true }
        return false
    }

    private static func humanHeading(_ speaker: Participant) -> String {
        "\n[\(speaker.name), your turn]\n"
    }

    /// What a child task hands back to the parent, which alone records.
    enum TurnResult: Sendable {
        /// An agent's answer, with what the child already worked out from it (``AgentWork``).
        case agent(Participant, ChatRequest, ChatResponse, AgentWork)
        case human(Participant, HumanSlot.Answer)
        /// A human turn played back from a recording, with the ideas recorded for it.
        case playedBack(Participant, TurnRecord, [IdeaRecord])

        var speaker: Participant {
            switch self {
            case .agent(let participant, _, _, _), .human(let participant, _), .playedBack(let participant, _, _): participant
            }
        }
    }

    /// What an agent's turn needs beyond the answer, worked out by the task that asked for it:
    /// the digest of the messages (hashed while the request is out) and the answer's ideas.
    /// The parent records a parallel phase's turns one at a time, so whatever is done here
    /// instead of there runs beside the other speakers rather than after them.
    struct AgentWork: Sendable {
        var messagesDigest: String
        var ideas: [IdeaParser.ParsedIdea]
    }

    /// The recorded answer of a human turn, when playing a recording back.
    private func playedBack(_ speaker: Participant, round: Int, phase: String) -> TurnResult? {
        guard let humanRecording else { return nil }
        guard let turn = humanRecording.turn(round: round, phase: phase, speaker: speaker.id) else {
            // The turn where the person typed /end left no turn and no skip behind: the first
            // unrecorded one of theirs in the round the note names.
            if !humanRecording.skipped(round: round, phase: phase, speaker: speaker.id),
               let ended = humanRecording.endedByHuman, ended.speaker == speaker.id, ended.round == round {
                return .human(speaker, .end)
            }
            return .human(speaker, .skipped(reason: "skipped in the recording"))
        }
        return .playedBack(speaker, turn, humanRecording.ideas(ofTurn: turn.index))
    }

    private static func perform(
        speaker: Participant, request: ChatRequest, humanPrompt: String, human: HumanSlot?,
        limits: SessionLimits, round: Int, phase: String, stream: Bool, events: AsyncStream<SessionEvent>.Continuation?,
        ideas mode: TurnBrief.IdeaMode, parser: IdeaParser
    ) async throws -> TurnResult {
        if speaker.isHuman {
            guard let human else { return .human(speaker, .skipped(reason: "no human input is connected")) }
            let timeout = limits.humanTimeoutSeconds.map { Duration.milliseconds(Int64($0 * 1000)) }
            let answer = await human.answer(prompt: humanHeading(speaker) + humanPrompt, timeout: timeout, round: round, phase: phase)
            // An answer that arrived is returned even when a cancel came with it, so it is
            // recorded before the session ends as interrupted.
            return .human(speaker, answer)
        }
        guard let backend = speaker.backend else {
            throw PolyphonyError.invalidInput("participant '\(speaker.id)' has no backend")
        }
        // A cancel that came while this turn waited to start: send nothing.
        try Task.checkCancellation()
        // The request goes out first; its messages are hashed while it is out.
        async let answer = Self.answer(request, from: backend, speaker: speaker, stream: stream, events: events)
        let digest = ChatRequest.messagesDigest(request.messages)
        let response = try await answer
        let work = AgentWork(messagesDigest: digest, ideas: Self.extractIdeas(response.text, mode: mode, parser: parser))
        return .agent(speaker, request, response, work)
    }

    /// Sends `request` to `backend`, passing streamed text on as deltas.
    private static func answer(
        _ request: ChatRequest, from backend: any ChatBackend, speaker: Participant, stream: Bool, events: AsyncStream<SessionEvent>.Continuation?
    ) async throws -> ChatResponse {
        if !stream {
            return try await backend.complete(request)
        }
        var final: ChatResponse?
        for try await event in backend.stream(request) {
            switch event {
            case .delta(let text): events?.yield(.delta(speaker: speaker.id, text: text))
            case .completed(let response): final = response
            }
        }
        try Task.checkCancellation()
        guard let final else {
            throw PolyphonyError.backend("the stream ended without a final response", backend: speaker.backendName ?? "?")
        }
        return final
    }

    private func makeRequest(for speaker: Participant, brief: TurnBrief, round: Int, phase: String) -> ChatRequest {
        let messages = prompts.messages(for: speaker, brief: brief, expertNotes: expertNotes)
        return ChatRequest(
            messages: messages,
            model: speaker.model,
            temperature: speaker.temperature ?? speaker.persona.temperature,
            maxTokens: limits.maxTokensPerTurn,
            seed: header.seed.map { Self.turnSeed($0, round: round, phase: phase, speaker: speaker.id) },
            jsonSchema: brief.expectsIdeas && (header.structuredOutput ?? false) ? IdeaParser.schema(maxIdeas: header.limits?.ideasPerTurn ?? 3) : nil
        )
    }

    /// A per-turn seed derived from the session seed, so turns differ but reruns repeat.
    static func turnSeed(_ seed: UInt64, round: Int, phase: String, speaker: String) -> UInt64 {
        let digest = SHA256.hex("\(round)/\(phase)/\(speaker)")
        let prefix = UInt64(digest.prefix(12), radix: 16) ?? 0
        return (seed ^ prefix) & 0x7FFF_FFFF
    }

    private func recordTurn(_ result: TurnResult, round: Int, phase: String, brief: TurnBrief?) async throws -> TurnOutcome {
        let mode = brief?.ideas ?? .none
        switch result {
        case .agent(let speaker, let request, let response, let work):
            for retry in response.retries ?? [] {
                try await record(.note(NoteRecord(text: Self.retryNote(retry, speaker: speaker), round: round, at: Date())))
            }
            let index = takeTurnIndex()
            let turn = TurnRecord(
                index: index, round: round, phase: phase, speaker: speaker.id, kind: .agent,
                backend: speaker.backendName, model: response.model ?? request.model ?? speaker.backend?.defaultModel,
                messages: recordMessages ? request.messages : nil,
                messagesDigest: work.messagesDigest,
                response: response.text, finishReason: response.finishReason, usage: response.usage,
                latencyMs: response.latencyMilliseconds, attempts: response.attempts,
                cached: response.cached == true ? true : nil, at: Date()
            )
            logger.debug("turn recorded", metadata: [
                "speaker": "\(speaker.id)", "round": "\(round)", "phase": "\(phase)", "attempts": "\(response.attempts)",
                "latency_ms": "\(Int(response.latencyMilliseconds))", "cached": "\(response.cached == true)",
            ])
            return try await commit(turn, parsed: work.ideas)
        case .playedBack(let speaker, let recorded, let recordedIdeas):
            let turn = TurnRecord(index: takeTurnIndex(), round: round, phase: phase, speaker: speaker.id, kind: .human, response: recorded.response, at: Date())
            let outcome = try await commit(turn, parsed: recordedIdeas.map { IdeaParser.ParsedIdea(text: $0.text, buildsOn: $0.parents) })
            try await makeDurable()
            return outcome
        case .human(let speaker, let answer):
            switch answer {
            case .end:
                try await record(.note(NoteRecord(text: ResumeState.endNote(speaker: speaker.id), round: round, at: Date())))
                throw Stop.humanEnded
            case .skipped(let reason):
                logger.info("human turn skipped: \(reason)", metadata: ["speaker": "\(speaker.id)", "round": "\(round)", "phase": "\(phase)"])
                try await record(.note(NoteRecord(text: ResumeState.skipNote(speaker: speaker.id, round: round, phase: phase, reason: reason), round: round, at: Date())))
                return TurnOutcome(speaker: speaker.id, text: "", ideas: [], skipped: true)
            case .text(let text, let explicitIdeas):
                let turn = TurnRecord(index: takeTurnIndex(), round: round, phase: phase, speaker: speaker.id, kind: .human, response: text, at: Date())
                let parsed = extractHumanIdeas(text, mode: mode) + explicitIdeas.map { IdeaParser.ParsedIdea(text: $0) }
                let outcome = try await commit(turn, parsed: parsed)
                // What a person typed cannot be asked for again: on disk before anything else happens.
                try await makeDurable()
                return outcome
            }
        }
    }

    /// Writes a turn and its ideas, in that order and with one `write`, and adds them to the session's memory.
    private func commit(_ turn: TurnRecord, parsed: [IdeaParser.ParsedIdea]) async throws -> TurnOutcome {
        let records = ideaRecords(parsed, of: turn)
        try await record([.turn(turn)] + records.map(TranscriptEvent.idea))
        return TurnOutcome(speaker: turn.speaker, text: turn.response, ideas: records.map(Self.view), skipped: false)
    }

    private func recordIdeas(_ parsed: [IdeaParser.ParsedIdea], of turn: TurnRecord) async throws -> [IdeaRecordView] {
        let records = ideaRecords(parsed, of: turn)
        try await record(records.map(TranscriptEvent.idea))
        return records.map(Self.view)
    }

    /// Numbers `parsed` as the next ideas of `turn`.
    private func ideaRecords(_ parsed: [IdeaParser.ParsedIdea], of turn: TurnRecord) -> [IdeaRecord] {
        // An idea builds only on ideas from before its turn, never on a sibling.
        var siblings: Set<String> = []
        return parsed.map { idea in
            let record = IdeaRecord(
                id: "i\(nextIdeaNumber)", author: turn.speaker, round: turn.round, text: idea.text,
                parents: idea.buildsOn.filter { ideaIDs.contains($0) && !siblings.contains($0) }, turn: turn.index
            )
            siblings.insert(record.id)
            nextIdeaNumber += 1
            return record
        }
    }

    private static func view(_ record: IdeaRecord) -> IdeaRecordView {
        IdeaRecordView(id: record.id, author: record.author, round: record.round, text: record.text, turn: record.turn)
    }

    /// A person's answer: a list or JSON when they wrote one, else one idea per line, as the
    /// prompt tells them.
    private func extractHumanIdeas(_ text: String, mode: TurnBrief.IdeaMode) -> [IdeaParser.ParsedIdea] {
        switch mode {
        case .none: return []
        case .whole: return humanParser.wholeAnswer(text).map { [$0] } ?? []
        case .list:
            let listed = humanParser.parse(text, wholeAnswerFallback: false)
            if !listed.isEmpty { return listed }
            return text.components(separatedBy: .newlines).compactMap { line in
                humanParser.wholeAnswer(line)
            }
        }
    }

    private func extractIdeas(_ text: String, mode: TurnBrief.IdeaMode) -> [IdeaParser.ParsedIdea] {
        Self.extractIdeas(text, mode: mode, parser: parser)
    }

    /// The ideas of an agent's answer, as `mode` asks for them.
    private static func extractIdeas(_ text: String, mode: TurnBrief.IdeaMode, parser: IdeaParser) -> [IdeaParser.ParsedIdea] {
        switch mode {
        case .none: []
        case .list: parser.parse(text)
        case .whole: parser.wholeAnswer(text).map { [$0] } ?? []
        }
    }

    /// Reuses a turn recorded by an earlier run instead of asking again.
    private func adopt(_ recorded: TurnRecord, brief: TurnBrief) async throws -> TurnOutcome {
        turns.append(recorded)
        let recordedIdeas = resume.ideas(ofTurn: recorded.index)
        let recordedViews = recordedIdeas.map { IdeaRecordView(id: $0.id, author: $0.author, round: $0.round, text: $0.text, turn: $0.turn) }
        for view in recordedViews { remember(view) }
        // A kill between a turn and (some of) its ideas: extraction is deterministic, so the
        // missing ones are the tail of what the first run would have written.
        let expected = extractIdeas(recorded.response, mode: brief.ideas)
        let missing = expected.count > recordedIdeas.count ? Array(expected[recordedIdeas.count...]) : []
        let added = try await recordIdeas(missing, of: recorded)
        return TurnOutcome(speaker: recorded.speaker, text: recorded.response, ideas: recordedViews + added, skipped: false)
    }

    private func deliverInjects(round: Int, phase: String) async throws {
        let injectPhase = "inject:\(phase)"
        if let human = cast.human {
            let recorded = resume.injects(round: round, phase: injectPhase)
            for turn in recorded {
                turns.append(turn)
                expertNotes.append(turn.response)
            }
            for recorded in humanRecording?.injects(round: round, phase: injectPhase) ?? [] {
                let turn = TurnRecord(index: takeTurnIndex(), round: round, phase: injectPhase, speaker: human.id, kind: .human, response: recorded.response, at: Date())
                try await record(.turn(turn))
                expertNotes.append(recorded.response)
            }
            var due = await self.human?.injects(dueAt: round, phase: phase) ?? []
            // A script delivers the same injects at the same place in every run: the ones an
            // earlier run recorded here are those.
            if await self.human?.isScripted == true { due = Array(due.dropFirst(recorded.count)) }
            for text in due {
                let turn = TurnRecord(index: takeTurnIndex(), round: round, phase: injectPhase, speaker: human.id, kind: .human, response: text, at: Date())
                try await record(.turn(turn))
                expertNotes.append(text)
            }
        }
    }

    /// An `/inject` typed after the last phase began reaches no agent; the person is told
    /// (a note on screen and in the transcript) rather than left to think it was heard.
    private func warnAboutUndeliveredInjects() async throws {
        guard let human else { return }
        for text in await human.injects(dueAt: Int.max, phase: "") {
            try await record(.note(NoteRecord(text: "an /inject reached no agent because no phase followed it: “\(text)”", at: Date())))
        }
        if let unused = await human.unusedScriptLines() {
            try await record(.note(NoteRecord(
                text: "\(unused.count) line(s) of the human script were never used, from script line \(unused.firstLine) on (a @round or @phase that never came, or more answers than turns)",
                at: Date())))
        }
    }

    /// Waits until everything recorded so far is on disk.
    private func makeDurable() async throws {
        try await writer.waitUntilDurable(lastWritten)
        durable = lastWritten
    }

    private func takeTurnIndex() -> Int {
        defer { nextTurnIndex += 1 }
        return nextTurnIndex
    }

    private func checkBudget() throws {
        if let budget = limits.tokenBudget, totals.promptTokens + totals.completionTokens >= budget {
            throw Stop.budgetReached(budget)
        }
    }

    /// Appends to the transcript, updates totals, and reports the event.
    private func record(_ event: TranscriptEvent) async throws {
        try await record([event])
    }

    /// Appends `events` with one `write`, updates totals, and reports them.
    ///
    /// The lines are written at once (a killed process loses nothing recorded) and their
    /// `fsync` starts behind them with group commit. What the last finished turn or phase
    /// recorded (``checkpoint``) is waited for here, before anything newer is written, so
    /// its `fsync` overlaps the next request instead of delaying it.
    private func record(_ events: [TranscriptEvent]) async throws {
        guard !events.isEmpty else { return }
        if checkpoint > durable {
            try await writer.waitUntilDurable(checkpoint)
            durable = checkpoint
        }
        lastWritten = try await writer.write(contentsOf: events)
        for event in events {
            switch event {
            case .turn(let turn):
                turns.append(turn)
                totals.turns += 1
                totals.promptTokens += turn.usage?.promptTokens ?? 0
                totals.completionTokens += turn.usage?.completionTokens ?? 0
            case .idea(let idea):
                totals.ideas += 1
                remember(IdeaRecordView(id: idea.id, author: idea.author, round: idea.round, text: idea.text, turn: idea.turn))
            default:
                break
            }
            self.events?.yield(.recorded(event))
        }
    }

    private func remember(_ idea: IdeaRecordView) {
        ideas.append(idea)
        ideaIDs.insert(idea.id)
        if let turn = idea.turn { ideasByTurn[turn, default: []].append(idea) }
    }

    /// The transcript note for a failed attempt that was sent again, e.g.
    /// `generalist-observant: local-llama answered HTTP 429; retried after 1 s`.
    static func retryNote(_ retry: ChatRetry, speaker: Participant) -> String {
        let what = retry.status.map { "answered HTTP \($0)" } ?? "failed (\(retry.message))"
        return "\(speaker.id): \(speaker.backendName ?? speaker.backend?.name ?? "backend") \(what); retried after \(Self.seconds(retry.delaySeconds)) s"
    }

    private static func seconds(_ value: Double) -> String {
        let rounded = value >= 10 ? value.rounded() : (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%g", rounded)
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
