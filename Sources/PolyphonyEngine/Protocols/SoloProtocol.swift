import PolyphonyCore

/// One agent ideates alone over the same number of rounds: the baseline every group
/// condition is compared with (Chen et al. 2025, *Beyond Brainstorming*, solo condition).
public struct SoloProtocol: IdeationProtocol {
    public static let name = "solo"
    public static let summary = "one agent ideates alone for the same rounds — the baseline (Chen et al. 2025)"

    public init() {}

    public static func validate(cast: Cast, rounds: Int) throws {
        guard cast.members.count == 1 else {
            throw PolyphonyError.invalidInput("protocol 'solo' takes exactly one participant, found \(cast.members.count)")
        }
    }

    public func run(in session: Orchestrator) async throws {
        guard let agent = session.cast.members.first else { return }
        for round in 1...session.header.rounds {
            let earlier = await session.ideas
            _ = try await session.runPhase(round: round, phase: "ideate", speakers: [agent], parallel: false) { _ in
                if earlier.isEmpty {
                    return TurnBrief(context: "", instruction: "Propose ideas on the topic.", ideas: .list)
                }
                return TurnBrief(
                    context: "Your ideas so far:\n" + Discussion.pool(earlier),
                    instruction: "Propose further ideas that differ from your earlier ones.", ideas: .list
                )
            }
        }
    }
}
