import PolyphonyCore

/// Nominal-group brainwriting: every member writes alone and in parallel, then the pooled,
/// anonymous ideas are shown to all for the next round. No one waits for a turn to speak
/// (no production blocking) and no one sees who wrote what (Paulus & Yang 2000; the
/// nominal-group setups that kept diversity in Chen et al. 2025).
public struct BrainwritingProtocol: IdeationProtocol {
    public static let name = "brainwriting"
    public static let summary = "members write in parallel, then see the anonymous pooled ideas next round (nominal group)"

    public init() {}

    public static func validate(cast: Cast, rounds: Int) throws {
        guard !cast.members.isEmpty else {
            throw PolyphonyError.invalidInput("protocol 'brainwriting' needs at least one participant")
        }
    }

    public func run(in session: Orchestrator) async throws {
        for round in 1...session.header.rounds {
            let pooled = await session.ideas
            let pool = Discussion.pool(pooled)
            _ = try await session.runPhase(round: round, phase: "write", speakers: session.cast.members, parallel: true) { _ in
                if pooled.isEmpty {
                    return TurnBrief(context: "", instruction: "Write your ideas on your own.", ideas: .list)
                }
                return TurnBrief(
                    context: "Ideas the group has written so far (anonymous):\n" + pool,
                    instruction: "Write further ideas: new ones, or developments of ideas in the pool.", ideas: .list
                )
            }
        }
    }
}
