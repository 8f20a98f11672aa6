import PolyphonyCore

/// A leaderless discussion: everyone sees everything and speaks in a fixed order each round
/// (Chen et al. 2025, *Beyond Brainstorming*, leaderless condition).
public struct RoundRobinProtocol: IdeationProtocol {
    public static let name = "round-robin"
    public static let summary = "leaderless discussion, fixed speaking order, everyone sees everything (Chen et al. 2025)"

    public init() {}

    public static func validate(cast: Cast, rounds: Int) throws {
        guard cast.members.count >= 2 else {
            throw PolyphonyError.invalidInput("protocol 'round-robin' needs at least two participants")
        }
    }

    public func run(in session: Orchestrator) async throws {
        let cast = session.cast
        for round in 1...session.header.rounds {
            _ = try await session.runPhase(round: round, phase: "discuss", speakers: cast.members, parallel: false) { _ in
                let discussion = await session.discussion()
                if discussion.isEmpty {
                    return TurnBrief(context: "", instruction: "Open the discussion with your ideas.", ideas: .list)
                }
                return TurnBrief(
                    context: "The discussion so far:\n\n" + discussion,
                    instruction: "Add your ideas: develop what others said or propose something new.", ideas: .list
                )
            }
        }
    }
}
