import Foundation
import PolyphonyCore

extension DiversityAnalyzer {
    /// The pool measured part by part: by group, round, participant and kind, and each
    /// group's round-by-round trajectory.
    struct Breakdowns {
        var byGroup: [DiversitySummary]
        var byRound: [DiversitySummary]
        var byParticipant: [DiversitySummary]
        var byKind: [DiversitySummary]
        var trajectory: [TrajectoryPoint]
    }

    /// Every breakdown of the pool; `global` is the pool's clustering (for the clusters a
    /// round reaches first) and `overall` its summary (reused for a part that is the whole pool).
    func breakdowns(_ context: Context, global: NearDuplicateClustering.Result, overall: DiversitySummary) async throws -> Breakdowns {
        let ideas = context.ideas
        let all = Array(ideas.indices)
        // Every subset any breakdown needs; a subset that two breakdowns share (one group, one
        // round, only agents…) is measured once.
        let groupParts = ordered(all) { ideas[$0].group }.map { (key: $0.key, members: $0.members) }
        let roundParts = byRoundNumber(ordered(all) { ideas[$0].round }).map { (key: $0.key.map(String.init) ?? "none", members: $0.members) }
        let participantParts = ordered(all) { ideas[$0].participantKey }.map { (key: $0.key, members: $0.members) }
        let kindParts = ordered(all) { ideas[$0].kind.rawValue }.map { (key: $0.key, members: $0.members) }
        let trajectoryParts = groupParts.flatMap { group in
            byRoundNumber(ordered(group.members) { ideas[$0].round }).map { (group: group.key, round: $0.key, members: $0.members) }
        }
        let measured = try await summaries(
            of: groupParts.map(\.members) + roundParts.map(\.members) + participantParts.map(\.members)
                + kindParts.map(\.members) + trajectoryParts.map(\.members),
            context, overall: overall)
        func lookup(_ key: String, _ members: [Int]) -> DiversitySummary {
            var summary = measured[members] ?? overall
            summary.key = key
            return summary
        }
        let byGroup = groupParts.map { lookup($0.key, $0.members) }
        let byRound = roundParts.map { lookup($0.key, $0.members) }
        let byParticipant = participantParts.map { lookup($0.key, $0.members) }
        let byKind = kindParts.map { lookup($0.key, $0.members) }
        var trajectory: [TrajectoryPoint] = []
        var reached: [String: Set<Int>] = [:]
        for part in trajectoryParts {
            let clustersHere = Set(part.members.map { global.assignments[$0] })
            let fresh = clustersHere.subtracting(reached[part.group, default: []])
            reached[part.group, default: []].formUnion(clustersHere)
            trajectory.append(TrajectoryPoint(
                group: part.group, round: part.round,
                summary: lookup(part.round.map { "\(part.group) round \($0)" } ?? "\(part.group) no round", part.members),
                newClusters: fresh.count, cumulativeClusters: reached[part.group, default: []].count))
        }
        return Breakdowns(byGroup: byGroup, byRound: byRound, byParticipant: byParticipant, byKind: byKind, trajectory: trajectory)
    }

    /// One summary per distinct subset, computed concurrently (each subset's metrics are
    /// independent); the whole pool reuses `overall`.
    private func summaries(of subsets: [[Int]], _ context: Context, overall: DiversitySummary) async throws -> [[Int]: DiversitySummary] {
        var unique: [[Int]] = []
        var seen: Set<[Int]> = [Array(context.ideas.indices)]
        for subset in subsets where seen.insert(subset).inserted { unique.append(subset) }
        // A window of one subset per core keeps memory bounded by a few subsets, not all of them.
        let window = max(1, ProcessInfo.processInfo.activeProcessorCount)
        return try await withThrowingTaskGroup(of: ([Int], DiversitySummary).self) { group in
            var next = 0
            func launch() {
                guard next < unique.count else { return }
                let members = unique[next]
                next += 1
                group.addTask { (members, try await summary("", members, context)) }
            }
            for _ in 0..<window { launch() }
            var result: [[Int]: DiversitySummary] = [Array(context.ideas.indices): overall]
            while let (members, summary) = try await group.next() {
                result[members] = summary
                launch()
            }
            return result
        }
    }
}
