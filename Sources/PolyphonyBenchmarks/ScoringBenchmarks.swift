import Foundation
import PolyphonyCore
import PolyphonyScoring

/// Diversity metrics at DESIGN.md's scale: 10,000 ideas with 384-d embeddings, well under a
/// second on 2 cores, with memory linear in n (peak RSS is printed after each size, smallest
/// first, so its growth shows the memory slope).
let scoringSuite = BenchmarkSuite(name: "scoring", summary: "diversity metrics for 10,000 ideas × 384-d random unit embeddings") {
    let d = 384
    for n in [2_500, 5_000, 10_000] {
        print("  -- n = \(n)")
        let matrix = EmbeddingMatrix.randomUnit(rows: n, dimension: d, seed: 42)
        var total = 0.0
        total += await measure("mean pairwise cosine distance (sum trick)", iterations: 5) {
            precondition(PairwiseSimilarity.meanDistance(matrix) != nil)
        }
        total += try await measure("Vendi score (d×d covariance + eigenvalues)", iterations: 5) {
            let vendi = try await VendiScore.compute(matrix)
            precondition(vendi != nil)
        }
        let cpuBefore = processCPUSeconds()
        total += await measure("greedy near-duplicate clustering at 0.8", iterations: 5) {
            let clusters = await NearDuplicateClustering(threshold: 0.8).cluster(matrix)
            precondition(clusters.clusterCount == n)
        }
        // CPU time shows the work done even when other processes share the cores.
        print(String(format: "  clustering CPU time per run: %.3f s", (processCPUSeconds() - cpuBefore) / 6))
        let texts = syntheticTexts(n)
        total += await measure("distinct-1/2/3 over 12-word texts (tokenised once)", iterations: 5) {
            let words = texts.map(LexicalEmbedder.words)
            for order in 1...3 { precondition(DistinctN.compute(tokenized: words, n: order) != nil) }
        }
        print(String(format: "  sum of metric medians: %.3f s; peak RSS so far %.1f MiB (embeddings %.1f MiB)",
                     total, peakResidentMiB() ?? 0, Double(n * d * 4) / 1_048_576))
    }

    // The whole report: overall plus breakdowns by 2 groups, 5 rounds, 10 participants, kind,
    // the group×round trajectory, homogeneity with 20 author shuffles, the idea map and rows.
    let n = 10_000
    let matrix = EmbeddingMatrix.randomUnit(rows: n, dimension: d, seed: 42)
    let texts = syntheticTexts(n)
    let ideas = (0..<n).map { i in
        InputIdea(id: "i\(i)", text: texts[i], author: "p\(i % 10)", kind: i % 10 == 9 ? .human : .agent,
                  round: 1 + (i / 10) % 5, group: i % 2 == 0 ? "a" : "b", prompt: nil, source: "bench")
    }
    let pool = IdeaPool(ideas: ideas, source: IdeaSource(id: "bench", path: "bench", kind: .ideaList, group: "a", ideaCount: n))
    await measure("full report, n = 10,000 (all breakdowns)", iterations: 3) {
        let report = try? await DiversityAnalyzer().analyze(
            pool, embeddings: matrix, promptVectors: [:], embedderName: "random", embedderIsSemantic: false)
        precondition(report?.ideas.count == n)
    }
    await measure("lexical embedding of 10,000 texts", iterations: 3) {
        let vectors = try? await LexicalEmbedder().embed(texts)
        precondition(vectors?.count == n)
    }
    print(String(format: "  peak RSS after scoring: %.1f MiB", peakResidentMiB() ?? 0))
}

/// User plus system CPU time of this process so far.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// Twelve words per idea from a small vocabulary, reproducibly.
func syntheticTexts(_ count: Int) -> [String] {
    let words = ["shade", "tree", "roof", "white", "pool", "night", "fountain", "bus", "stop", "park", "water", "wind",
                 "street", "paint", "solar", "market", "cool", "canopy", "mist", "garden"]
    var generator = SplitMix64(seed: 7)
    return (0..<count).map { _ in (0..<12).map { _ in words[Int(generator.next() % UInt64(words.count))] }.joined(separator: " ") }
}
