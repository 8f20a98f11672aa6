import Foundation
import Logging
import PolyphonyCore
import PolyphonyTranscript

// Recording: turns, ideas and injects written to the transcript, in order, and remembered for the next prompts.
extension Orchestrator {
    func recordTurn(_ result: TurnResult, round: Int, phase: String, brief: TurnBrief?) async throws -> TurnOutcome {
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
    func commit(_ turn: TurnRecord, parsed: [IdeaParser.ParsedIdea]) async throws -> TurnOutcome {
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

    func extractIdeas(_ text: String, mode: TurnBrief.IdeaMode) -> [IdeaParser.ParsedIdea] {
        Self.extractIdeas(text, mode: mode, parser: parser)
    }

    /// The ideas of an agent's answer, as `mode` asks for them.
    static func extractIdeas(_ text: String, mode: TurnBrief.IdeaMode, parser: IdeaParser) -> [IdeaParser.ParsedIdea] {
        switch mode {
        case .none: []
        case .list: parser.parse(text)
        case .whole: parser.wholeAnswer(text).map { [$0] } ?? []
        }
    }

    /// Reuses a turn recorded by an earlier run instead of asking again.
    func adopt(_ recorded: TurnRecord, brief: TurnBrief) async throws -> TurnOutcome {
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

    func deliverInjects(round: Int, phase: String) async throws {
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
    func warnAboutUndeliveredInjects() async throws {
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
    func makeDurable() async throws {
        try await writer.waitUntilDurable(lastWritten)
        durable = lastWritten
    }

    private func takeTurnIndex() -> Int {
        defer { nextTurnIndex += 1 }
        return nextTurnIndex
    }

    /// Appends to the transcript, updates totals, and reports the event.
    func record(_ event: TranscriptEvent) async throws {
        try await record([event])
    }

    /// Appends `events` with one `write`, updates totals, and reports them.
    ///
    /// The lines are written at once (a killed process loses nothing recorded) and their
    /// `fsync` starts behind them with group commit. What the last finished turn or phase
    /// recorded (``checkpoint``) is waited for here, before anything newer is written, so
    /// its `fsync` overlaps the next request instead of delaying it.
    func record(_ events: [TranscriptEvent]) async throws {
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
}
