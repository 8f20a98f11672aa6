import PolyphonyCore

/// Generators propose, critics with different lenses critique in parallel, generators revise
/// in the next round (Ueda et al. 2025's critique–revise loop). Critiques happen between
/// rounds, so the session needs at least two.
public struct CritiqueReviseProtocol: IdeationProtocol {
    public static let name = "critique-revise"
    public static let summary = "generators propose, critics critique in parallel, generators revise (Ueda et al. 2025)"

    public init() {}

    public static func validate(cast: Cast, rounds: Int) throws {
        guard !cast.critics.isEmpty else {
            throw PolyphonyError.invalidInput("protocol 'critique-revise' needs 'critics:' (one or more persona ids)")
        }
        guard rounds >= 2 else {
            throw PolyphonyError.invalidInput("protocol 'critique-revise' needs 'rounds: 2' or more (critiques come between rounds)")
        }
    }

    public func run(in session: Orchestrator) async throws {
        let cast = session.cast
        var critiques: [String] = []
        var latest: [String: [IdeaRecordView]] = [:]
        for round in 1...session.header.rounds {
            let phase = round == 1 ? "propose" : "revise"
            let feedback = critiques.joined(separator: "\n\n")
            let previous = latest
            let outcomes = try await session.runPhase(round: round, phase: phase, speakers: cast.members, parallel: true) { member in
                guard round > 1 else {
                    return TurnBrief(context: "", instruction: "Propose your ideas.", ideas: .list)
                }
                let own = previous[member.id] ?? []
                return TurnBrief(
                    context: "Your proposals last round:\n\(Discussion.pool(own))\n\nCritiques of all proposals:\n\n\(feedback)",
                    instruction: "Revise your proposals in the light of the critiques: keep, sharpen, merge or replace them.",
                    ideas: .list
                )
            }
            for outcome in outcomes { latest[outcome.speaker] = outcome.ideas }
            guard round < session.header.rounds else { break }
            let proposals = Discussion.pool(outcomes.flatMap(\.ideas))
            let critiqueOutcomes = try await session.runPhase(round: round, phase: "critique", speakers: cast.critics, parallel: true) { _ in
                TurnBrief(
                    context: "Proposals this round:\n" + proposals,
                    instruction: "Critique the proposals through your lens: for each one worth discussing, give its id and one or two sentences on its weakest point and how to fix it.",
                    ideas: .none
                )
            }
            let names = Dictionary(cast.critics.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
            critiques = critiqueOutcomes.filter { !$0.skipped }.map { "\(names[$0.speaker] ?? $0.speaker):\n\($0.text)" }
        }
    }
}
