import Foundation
import PolyphonyCore

extension DiversityAnalyzer {
    /// Per participant: ideas, clusters reached, clusters only they reached and, for a human,
    /// how far their ideas stand from the nearest agent idea.
    func contributions(_ context: Context, global: NearDuplicateClustering.Result) async -> [Contribution] {
        var reachedBy = [Set<String>](repeating: [], count: global.clusterCount)
        for (row, cluster) in global.assignments.enumerated() {
            reachedBy[cluster].insert(context.ideas[row].participantKey)
        }
        let agentRows = context.ideas.indices.filter { context.ideas[$0].kind == .agent }
        let participants = ordered(Array(context.ideas.indices), by: { context.ideas[$0].participantKey })
        // Every human idea's distance to its nearest agent idea, found once for all participants.
        var nearestDistance: [Int: Double] = [:]
        if !agentRows.isEmpty {
            let humanRows = participants.filter { context.ideas[$0.members[0]].kind == .human }.flatMap(\.members)
            for (row, distance) in zip(humanRows, await Self.nearestDistances(humanRows, to: agentRows, in: context.index)) {
                nearestDistance[row] = distance
            }
        }
        var result: [Contribution] = []
        for (key, rows) in participants {
            let first = context.ideas[rows[0]]
            let clusters = Set(rows.map { global.assignments[$0] })
            let nearest = first.kind == .human && !agentRows.isEmpty
                ? Self.workerOrderedMean(rows.map { nearestDistance[$0] ?? 0 })
                : nil
            result.append(Contribution(
                participant: key, author: first.author, group: first.group, kind: first.kind, ideas: rows.count,
                clustersReached: clusters.count,
                exclusiveClusters: clusters.filter { reachedBy[$0] == [key] }.count,
                meanNearestAgentDistance: nearest))
        }
        return result
    }

    /// For each of `rows`, 1 − its highest cosine similarity to any of `targets`, split over
    /// cores; the pruning bound skips targets that cannot beat the best found so far.
    static func nearestDistances(_ rows: [Int], to targets: [Int], in index: NearDuplicateClustering.Index) async -> [Double] {
        guard !rows.isEmpty else { return [] }
        let scan = NearDuplicateClustering.Scan(index: index, threshold: -.infinity)
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, rows.count / 64))
        return await withTaskGroup(of: (Int, [Double]).self) { group in
            for worker in 0..<workers {
                let slice = rows[(rows.count * worker / workers)..<(rows.count * (worker + 1) / workers)]
                group.addTask { (worker, scan.best(rows: slice, among: targets).map { Double(1 - max(-1, $0.similarity)) }) }
            }
            var parts = [[Double]](repeating: [], count: workers)
            for await (worker, part) in group { parts[worker] = part }
            return parts.flatMap { $0 }
        }
    }

    /// The mean of `values`, summed in the slices and order the per-core search used before,
    /// so results keep their bits.
    static func workerOrderedMean(_ values: [Double]) -> Double {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, values.count))
        var total = 0.0
        for worker in 0..<workers {
            total += values[(values.count * worker / workers)..<(values.count * (worker + 1) / workers)].reduce(0, +)
        }
        return total / Double(values.count)
    }
}
