import Foundation
import PolyphonyExperiments

/// What `experiment analyze` spends on statistics, and what a large grid costs to expand.
let experimentSuite = BenchmarkSuite(name: "experiments", summary: "bootstrap intervals, grid expansion") {
    var generator = SeededGenerator(seed: 1)
    let sample = (0..<15).map { _ in Double.random(in: 0..<10, using: &generator) }
    let other = (0..<15).map { _ in Double.random(in: 0..<10, using: &generator) }
    let bootstrap = Bootstrap(resamples: 10_000)
    await measure("mean interval, n = 15, B = 10,000") { _ = bootstrap.meanInterval(sample, seed: 1) }
    await measure("difference interval, 15 vs 15, B = 10,000") { _ = bootstrap.differenceInterval(sample, other, seed: 1) }
    // beyond-brainstorming.yaml: 7 conditions and 21 pairs for each of 11 metrics.
    await measure("7 conditions × 11 metrics (308 intervals)", iterations: 3) {
        for metric in 0..<11 {
            for condition in 0..<7 { _ = bootstrap.meanInterval(sample, seed: UInt64(metric * 100 + condition)) }
            for pair in 0..<21 { _ = bootstrap.differenceInterval(sample, other, seed: UInt64(metric * 100 + pair)) }
        }
    }
    let conditions = (1...20).map { "  c\($0):\n    protocol: solo\n    participants: [urban-planning-senior]\n" }.joined()
    let topics = (1...50).map { "  - Topic number \($0)?\n" }.joined()
    let grid = "defaults: { backend: local }\nconditions:\n\(conditions)topics:\n\(topics)replicates: 100\n"
    try await measure("expand 20 conditions × 50 topics × 100 seeds", iterations: 3) {
        let parsed = try ExperimentGridLoader().parse(grid, file: "bench.yaml")
        precondition(parsed.runs.count == 100_000)
    }
}
