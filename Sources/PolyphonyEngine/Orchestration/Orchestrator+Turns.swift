import Foundation
import Logging
import PolyphonyCore
import PolyphonyTranscript

// Asking for a turn: the request a speaker gets, and the child task that sends it or waits for the person.
extension Orchestrator {
    static func humanHeading(_ speaker: Participant) -> String {
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
    func playedBack(_ speaker: Participant, round: Int, phase: String) -> TurnResult? {
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

    static func perform(
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
    static func answer(
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

    func makeRequest(for speaker: Participant, brief: TurnBrief, round: Int, phase: String) -> ChatRequest {
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
}
