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
        var result: [Contribution] = []
        for (key, rows) in ordered(Array(context.ideas.indices), by: { context.ideas[$0].participantKey }) {
            let first = context.ideas[rows[0]]
            let clusters = Set(rows.map { global.assignments[$0] })
            let nearest = first.kind == .human && !agentRows.isEmpty
                ? await Self.meanNearestDistance(rows, to: agentRows, in: context.matrix)
                : nil
            result.append(Contribution(
                participant: key, author: first.author, group: first.group, kind: first.kind, ideas: rows.count,
                clustersReached: clusters.count,
                exclusiveClusters: clusters.filter { reachedBy[$0] == [key] }.count,
                meanNearestAgentDistance: nearest))
        }
        return result
    }

    /// Mean over `rows` of 1 − the highest cosine similarity to any of `targets`, split over cores.
    static func meanNearestDistance(_ rows: [Int], to targets: [Int], in matrix: EmbeddingMatrix) async -> Double {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, rows.count))
        let values = matrix.values, d = matrix.dimension
        // Summed in worker order so the result does not depend on which worker finished first.
        let total = await withTaskGroup(of: (Int, Double).self) { group in
            for worker in 0..<workers {
                let slice = rows[(rows.count * worker / workers)..<(rows.count * (worker + 1) / workers)]
                group.addTask {
                    (worker, values.withUnsafeBufferPointer { e in
                        var sum = 0.0
                        for row in slice {
                            var best: Float = -1
                            for target in targets {
                                best = max(best, VectorKernels.dot(e.baseAddress! + row * d, e.baseAddress! + target * d, count: d))
                            }
                            sum += Double(1 - best)
                        }
                        return sum
                    })
                }
            }
            var parts = [Double](repeating: 0, count: workers)
            for await (worker, part) in group { parts[worker] = part }
            return parts.reduce(0, +)
        }
        return total / Double(rows.count)
    }
}
