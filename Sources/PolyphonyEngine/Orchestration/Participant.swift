import PolyphonyCore
import PolyphonyTranscript

/// A seat bound to a persona and, for agents, to the backend that speaks for it.
public struct Participant: Sendable {
    public let id: String
    public let persona: Persona
    public let seat: ParticipantSnapshot.Seat
    /// `nil` for the human, who answers at the terminal.
    public let backend: (any ChatBackend)?
    public let backendName: String?
    public let model: String?
    public let temperature: Double?

    public init(
        id: String, persona: Persona, seat: ParticipantSnapshot.Seat, backend: (any ChatBackend)?,
        backendName: String?, model: String?, temperature: Double?
    ) {
        self.id = id
        self.persona = persona
        self.seat = seat
        self.backend = backend
        self.backendName = backendName
        self.model = model
        self.temperature = temperature
    }

    public var isHuman: Bool { persona.isHuman }
    public var name: String { persona.name }

    /// What the transcript header records: names and models, never keys.
    public var snapshot: ParticipantSnapshot {
        ParticipantSnapshot(id: id, persona: persona, seat: seat, backend: backendName, model: model ?? backend?.defaultModel, temperature: temperature)
    }
}

/// Everyone in a session, by the part they play.
public struct Cast: Sendable {
    /// The seats listed under `participants` (members and humans), in order.
    public var members: [Participant]
    public var leader: Participant?
    public var synthesizer: Participant?
    public var critics: [Participant]

    public init(members: [Participant], leader: Participant? = nil, synthesizer: Participant? = nil, critics: [Participant] = []) {
        self.members = members
        self.leader = leader
        self.synthesizer = synthesizer
        self.critics = critics
    }

    /// Everyone, each once, in header order: members, leader, synthesizer, critics.
    public var everyone: [Participant] {
        members + [leader, synthesizer].compactMap { $0 } + critics
    }

    /// The first human seat, who also receives `/inject` lines.
    public var human: Participant? { everyone.first(where: \.isHuman) }
}
