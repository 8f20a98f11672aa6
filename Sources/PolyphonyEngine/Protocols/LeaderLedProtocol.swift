import PolyphonyCore

/// A leader opens each round by summarising and assigning aspects to members, the members
/// answer, and after the last round a synthesizer writes one proposal that cites the
/// discussion (Chen et al. 2025, *Beyond Brainstorming*: a leader makes proposals more integrated).
public struct LeaderLedProtocol: IdeationProtocol {
    public static let name = "leader-led"
    public static let summary = "a leader summarises and assigns aspects each round; a synthesizer integrates (Chen et al. 2025)"

    public init() {}

    public static func validate(cast: Cast, rounds: Int) throws {
        guard cast.leader != nil else {
            throw PolyphonyError.invalidInput("protocol 'leader-led' needs a 'leader:' (a persona id)")
        }
        guard !cast.members.isEmpty else {
            throw PolyphonyError.invalidInput("protocol 'leader-led' needs at least one participant besides the leader")
        }
    }

    public func run(in session: Orchestrator) async throws {
        let cast = session.cast
        guard let leader = cast.leader else { return }
        let memberNames = cast.members.map(\.name).joined(separator: ", ")
        for round in 1...session.header.rounds {
            let before = await session.discussion()
            let lead = try await session.runPhase(round: round, phase: "lead", speakers: [leader], parallel: false) { _ in
                TurnBrief(
                    context: before.isEmpty ? "" : "The discussion so far:\n\n" + before,
                    instruction: (before.isEmpty ? "Open the session: frame the topic in two or three sentences." : "Summarise the discussion so far in two or three sentences.")
                        + " Then assign each member (\(memberNames)) one distinct aspect of the topic to work on next, one line per member.",
                    ideas: .none
                )
            }
            let assignment = lead.first?.text ?? ""
            _ = try await session.runPhase(round: round, phase: "respond", speakers: cast.members, parallel: true) { member in
                TurnBrief(
                    context: (before.isEmpty ? "" : "The discussion so far:\n\n\(before)\n\n") + "\(leader.name), facilitating, says:\n\(assignment)",
                    instruction: "\(member.name), propose ideas on the aspect assigned to you.", ideas: .list
                )
            }
        }
        let synthesizer = cast.synthesizer ?? leader
        let rounds = session.header.rounds
        _ = try await session.runPhase(round: rounds, phase: "synthesize", speakers: [synthesizer], parallel: false) { _ in
            TurnBrief(
                context: "The whole discussion:\n\n" + (await session.discussion()),
                instruction: "Write the group's final proposal: one integrated plan in at most 200 words that builds on the strongest ideas above. Cite every idea you use by its id in square brackets, e.g. [i3].",
                ideas: .whole
            )
        }
    }
}
