import Foundation
import PolyphonyCore
import PolyphonyEmbeddings
import PolyphonyScoring

/// Issue 14's target: scoring 10,000 ideas against a 20,000-idea reference pool (one prompt,
/// so every idea meets every pool idea) adds under 2 s on 2 cores beyond embedding.
let originalitySuite = BenchmarkSuite(name: "originality", summary: "reference novelty, 10,000 ideas × 20,000-idea pool, 384-d; learned originality") {
    let d = 384
    let ideas = EmbeddingMatrix.randomUnit(rows: 10_000, dimension: d, seed: 7)
    let pool = EmbeddingMatrix.randomUnit(rows: 20_000, dimension: d, seed: 8)
    var products: [(String, ReferenceNovelty.MatrixProduct)] = [("Swift SIMD", ReferenceNovelty.swiftProduct)]
    if let blas = BLASProduct.transposedProduct() { products.insert(("BLAS sgemm", blas), at: 0) }
    for (name, product) in products {
        let novelty = ReferenceNovelty(k: 20, product: product)
        let cpuBefore = processCPUSeconds()
        let iterations = name == "BLAS sgemm" ? 5 : 2
        await measure("reference novelty, k = 20, \(name)", iterations: iterations) {
            let results = await novelty.score(ideas, against: pool)
            precondition(results.count == 10_000 && results[0] != nil)
        }
        print(String(format: "  CPU time per run: %.3f s", (processCPUSeconds() - cpuBefore) / Double(iterations + 1)))
    }

    // The whole analyzer with a pool, against the same analyzer without one: the added cost.
    let texts = syntheticTexts(10_000)
    let scored = (0..<10_000).map { i in
        InputIdea(id: "i\(i)", text: texts[i], author: "p\(i % 10)", kind: .agent, round: 1, group: "a", prompt: "topic", source: "bench")
    }
    let poolIdeas = (0..<20_000).map { i in
        InputIdea(id: "r\(i)", text: "r", author: "model", kind: .agent, round: nil, group: "pool", prompt: "topic", source: "pool")
    }
    let promptVector = EmbeddingMatrix.randomUnit(rows: 1, dimension: d, seed: 9).row(0)
    let ideaPool = IdeaPool(ideas: scored, source: IdeaSource(id: "bench", path: "bench", kind: .ideaList, group: "a", ideaCount: scored.count))
    var analyzer = DiversityAnalyzer()
    analyzer.originalityModel = nil
    var cpu = processCPUSeconds()
    let without = await measure("analyzer without a pool", iterations: 2) {
        _ = try? await analyzer.analyze(ideaPool, embeddings: ideas, promptVectors: ["topic": promptVector], embedderName: "random", embedderIsSemantic: true)
    }
    let withoutCPU = (processCPUSeconds() - cpu) / 3
    analyzer.reference = IdeaPool(ideas: poolIdeas, source: IdeaSource(id: "pool", path: "pool", kind: .ideaList, group: "pool", ideaCount: poolIdeas.count))
    analyzer.referenceNovelty = ReferenceNovelty(product: BLASProduct.transposedProduct())
    cpu = processCPUSeconds()
    let with = await measure("analyzer with the 20,000-idea pool", iterations: 2) {
        let report = try? await analyzer.analyze(
            ideaPool, embeddings: ideas, promptVectors: ["topic": promptVector], embedderName: "random", embedderIsSemantic: true,
            referenceEmbeddings: pool)
        precondition(report?.overall.meanReferenceNovelty != nil)
    }
    let withCPU = (processCPUSeconds() - cpu) / 3
    print(String(format: "  added by --reference: %.3f s wall (medians), %.3f s CPU (means)", with - without, withCPU - withoutCPU))

    if let model = OriginalityModel.shipped {
        let modelIdeas = EmbeddingMatrix.randomUnit(rows: 10_000, dimension: model.dimension, seed: 10)
        await measure("learned originality, 10,000 ideas", iterations: 5) {
            var sum = 0.0
            for row in 0..<modelIdeas.rows { sum += model.predict(embedding: modelIdeas.row(row), prompt: promptVector, text: texts[row]) ?? 0 }
            precondition(sum > 0)
        }
    }
}
