import Foundation
import PolyphonyCore

/// One line of a transcript: a JSON object whose `type` field says which record follows.
///
/// The format is documented in `docs/transcript-format.md` and `docs/transcript.schema.json`.
/// A transcript is a `session` header, then `turn`, `idea` and `note` events, then an `end`.
public enum TranscriptEvent: Sendable, Hashable, Codable {
    case session(SessionHeader)
    case turn(TurnRecord)
    case idea(IdeaRecord)
    case note(NoteRecord)
    case end(EndRecord)

    /// The `type` field's value for each case.
    public enum EventType: String, Sendable, Codable, CaseIterable {
        case session, turn, idea, note, end
    }

    private enum CodingKeys: String, CodingKey {
        case type
    }

    /// The `type` field's value for this event.
    public var type: EventType {
        switch self {
        case .session: .session
        case .turn: .turn
        case .idea: .idea
        case .note: .note
        case .end: .end
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(EventType.self, forKey: .type)
        switch type {
        case .session: self = .session(try SessionHeader(from: decoder))
        case .turn: self = .turn(try TurnRecord(from: decoder))
        case .idea: self = .idea(try IdeaRecord(from: decoder))
        case .note: self = .note(try NoteRecord(from: decoder))
        case .end: self = .end(try EndRecord(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        switch self {
        case .session(let record): try record.encode(to: encoder)
        case .turn(let record): try record.encode(to: encoder)
        case .idea(let record): try record.encode(to: encoder)
        case .note(let record): try record.encode(to: encoder)
        case .end(let record): try record.encode(to: encoder)
        }
    }
}

/// The first event of every transcript: what was run, by whom, on which models.
public struct SessionHeader: Sendable, Hashable, Codable {
    /// The transcript schema version this build writes.
    public static let currentSchemaVersion = 1

    public var schemaVersion: Int
    public var sessionId: String
    public var toolVersion: String
    public var topic: String
    public var protocolName: String
    public var rounds: Int
    public var participants: [ParticipantSnapshot]
    public var seed: UInt64?
    public var startedAt: Date
    public var limits: SessionLimits?
    /// Whether agents were asked for JSON ideas (with a schema) rather than a numbered list.
    public var structuredOutput: Bool?

    private enum CodingKeys: String, CodingKey {
        case topic, rounds, participants, seed, limits
        case schemaVersion = "schema_version", sessionId = "session_id", toolVersion = "tool_version"
        case startedAt = "started_at", structuredOutput = "structured_output", protocolName = "protocol"
    }

    public init(
        schemaVersion: Int = SessionHeader.currentSchemaVersion, sessionId: String,
        toolVersion: String, topic: String, protocolName: String, rounds: Int,
        participants: [ParticipantSnapshot], seed: UInt64? = nil, startedAt: Date,
        limits: SessionLimits? = nil, structuredOutput: Bool? = nil
    ) {
        self.schemaVersion = schemaVersion
        self.sessionId = sessionId
        self.toolVersion = toolVersion
        self.topic = topic
        self.protocolName = protocolName
        self.rounds = rounds
        self.participants = participants
        self.seed = seed
        self.startedAt = startedAt
        self.limits = limits
        self.structuredOutput = structuredOutput
    }
}

/// Limits a session ran under.
public struct SessionLimits: Sendable, Hashable, Codable {
    private enum CodingKeys: String, CodingKey {
        case maxTokensPerTurn = "max_tokens_per_turn", tokenBudget = "token_budget"
        case ideasPerTurn = "ideas_per_turn", humanTimeoutSeconds = "human_timeout_seconds"
    }

    public var maxTokensPerTurn: Int?
    public var tokenBudget: Int?
    /// How many ideas each agent was asked for per turn.
    public var ideasPerTurn: Int?
    /// Seconds a human had to answer before their turn was skipped.
    public var humanTimeoutSeconds: Double?

    public init(maxTokensPerTurn: Int? = nil, tokenBudget: Int? = nil, ideasPerTurn: Int? = nil, humanTimeoutSeconds: Double? = nil) {
        self.maxTokensPerTurn = maxTokensPerTurn
        self.tokenBudget = tokenBudget
        self.ideasPerTurn = ideasPerTurn
        self.humanTimeoutSeconds = humanTimeoutSeconds
    }
}

/// A participant as it was when the session started: a full persona copy, so a transcript
/// stays meaningful after the persona file changes. Backend names and models only — never keys.
public struct ParticipantSnapshot: Sendable, Hashable, Codable {
    /// The part a participant plays in this session, which may differ from its persona's role
    /// (a member persona can be seated as the leader).
    public enum Seat: String, Sendable, Hashable, Codable, CaseIterable {
        case member, leader, synthesizer, critic
    }

    /// The participant's id within the session (usually the persona id).
    public var id: String
    public var persona: Persona
    public var seat: Seat?
    public var backend: String?
    public var model: String?
    public var temperature: Double?

    public init(id: String, persona: Persona, seat: Seat? = nil, backend: String? = nil, model: String? = nil, temperature: Double? = nil) {
        self.id = id
        self.persona = persona
        self.seat = seat
        self.backend = backend
        self.model = model
        self.temperature = temperature
    }
}

/// One participant speaking once: what they were sent and what they answered.
public struct TurnRecord: Sendable, Hashable, Codable {
    /// Who produced a turn.
    public enum SpeakerKind: String, Sendable, Codable {
        case agent, human
    }

    private enum CodingKeys: String, CodingKey {
        case index, round, phase, speaker, kind, backend, model, messages, response, usage, attempts, cached, at
        case messagesDigest = "messages_digest", finishReason = "finish_reason", latencyMs = "latency_ms"
    }

    /// 0-based position of the turn in the session; resume continues from the next index.
    public var index: Int
    public var round: Int
    public var phase: String
    public var speaker: String
    public var kind: SpeakerKind
    public var backend: String?
    public var model: String?
    /// The messages sent, when recorded in full.
    public var messages: [ChatMessage]?
    /// SHA-256 of the canonical JSON of the messages sent; always present for agent turns.
    public var messagesDigest: String?
    public var response: String
    public var finishReason: FinishReason?
    public var usage: TokenUsage?
    public var latencyMs: Double?
    public var attempts: Int?
    /// `true` when the answer came from the response cache, not from the model this time.
    public var cached: Bool?
    public var at: Date?

    public init(
        index: Int, round: Int, phase: String, speaker: String, kind: SpeakerKind,
        backend: String? = nil, model: String? = nil, messages: [ChatMessage]? = nil,
        messagesDigest: String? = nil, response: String, finishReason: FinishReason? = nil,
        usage: TokenUsage? = nil, latencyMs: Double? = nil, attempts: Int? = nil, cached: Bool? = nil, at: Date? = nil
    ) {
        self.index = index
        self.round = round
        self.phase = phase
        self.speaker = speaker
        self.kind = kind
        self.backend = backend
        self.model = model
        self.messages = messages
        self.messagesDigest = messagesDigest
        self.response = response
        self.finishReason = finishReason
        self.usage = usage
        self.latencyMs = latencyMs
        self.attempts = attempts
        self.cached = cached
        self.at = at
    }
}

/// One idea extracted from a turn.
public struct IdeaRecord: Sendable, Hashable, Codable {
    public var id: String
    public var author: String
    public var round: Int
    public var text: String
    /// Ideas this one builds on, by id.
    public var parents: [String]
    /// The ``TurnRecord/index`` of the turn the idea came from.
    public var turn: Int?

    public init(id: String, author: String, round: Int, text: String, parents: [String] = [], turn: Int? = nil) {
        self.id = id
        self.author = author
        self.round = round
        self.text = text
        self.parents = parents
        self.turn = turn
    }
}

/// A free-text remark about the session: a retry, a skipped human, a budget warning.
public struct NoteRecord: Sendable, Hashable, Codable {
    public var text: String
    public var round: Int?
    public var at: Date?

    public init(text: String, round: Int? = nil, at: Date? = nil) {
        self.text = text
        self.round = round
        self.at = at
    }
}

/// The last event of a session that ended while the process was alive.
/// A transcript without one was cut off by a crash or kill.
public struct EndRecord: Sendable, Hashable, Codable {
    /// How a session ended.
    public enum Status: String, Sendable, Codable {
        case completed, interrupted, failed
    }

    /// Sums over the whole session.
    public struct Totals: Sendable, Hashable, Codable {
        private enum CodingKeys: String, CodingKey {
            case turns, ideas
            case promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
        }

        public var turns: Int
        public var ideas: Int
        public var promptTokens: Int
        public var completionTokens: Int

        public init(turns: Int = 0, ideas: Int = 0, promptTokens: Int = 0, completionTokens: Int = 0) {
            self.turns = turns
            self.ideas = ideas
            self.promptTokens = promptTokens
            self.completionTokens = completionTokens
        }
    }

    public var status: Status
    public var reason: String?
    public var totals: Totals
    public var at: Date?

    public init(status: Status, reason: String? = nil, totals: Totals, at: Date? = nil) {
        self.status = status
        self.reason = reason
        self.totals = totals
        self.at = at
    }
}
