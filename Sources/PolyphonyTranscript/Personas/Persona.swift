/// A participant's identity: who they are, what they claim to know, and how they speak.
///
/// Personas live in `personas/*.md` as Markdown with YAML front matter; the body is the
/// persona's voice and background. A persona with an empty ``expertise`` list declares no
/// expertise — the experimental control for an expert with the same temperament.
public struct Persona: Sendable, Codable, Hashable, Identifiable {
    /// What part the persona plays in a protocol.
    public enum Role: String, Sendable, Codable, CaseIterable {
        case member, leader, critic, synthesizer, judge, human
    }

    /// How senior the persona presents itself; studies vary team composition along this axis.
    public enum Seniority: String, Sendable, Codable, CaseIterable {
        case junior, mid, senior
    }

    public var id: String
    public var name: String
    public var role: Role
    /// Declared domains; empty means no declared expertise.
    public var expertise: [String]
    public var seniority: Seniority?
    /// The sampling temperature this persona prefers, when it has one.
    public var temperature: Double?
    /// The backends-file entry this persona uses unless a session overrides it.
    public var backend: String?
    /// The Markdown body: voice and background, used as the persona's system prompt.
    public var body: String

    public init(
        id: String, name: String, role: Role, expertise: [String] = [],
        seniority: Seniority? = nil, temperature: Double? = nil, backend: String? = nil,
        body: String
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.expertise = expertise
        self.seniority = seniority
        self.temperature = temperature
        self.backend = backend
        self.body = body
    }

    /// Whether the persona claims any domain expertise.
    public var hasDeclaredExpertise: Bool { !expertise.isEmpty }
    /// Whether a person at the terminal speaks for this persona.
    public var isHuman: Bool { role == .human }
}
