import PolyphonyCore
import Testing
@testable import PolyphonyScoring

struct DiversityMetricTests {
    private func identical(_ n: Int, dimension: Int = 8) throws -> EmbeddingMatrix {
        let row = (0..<dimension).map { Float($0 + 1) }
        return try EmbeddingMatrix(Array(repeating: row, count: n)).normalized()
    }

    private func orthogonal(_ n: Int, dimension: Int) throws -> EmbeddingMatrix {
        try EmbeddingMatrix((0..<n).map { i in (0..<dimension).map { $0 == i ? Float(1) : 0 } })
    }

    @Test(arguments: [1, 5, 40])
    func identicalIdeasHaveVendiOneAndOneUniqueIdea(count: Int) async throws {
        let matrix = try identical(count)
        let vendi = try await VendiScore.compute(matrix)
        #expect(abs((vendi ?? 0) - 1) < 1e-9)
        let clusters = await NearDuplicateClustering().cluster(matrix)
        #expect(clusters.clusterCount == 1)
        #expect(clusters.sizes == [count])
    }

    @Test(arguments: [(2, 8), (8, 8), (6, 200)])
    func orthogonalIdeasHaveVendiN(count: Int, dimension: Int) async throws {
        let matrix = try orthogonal(count, dimension: dimension)
        for method in [VendiScore.Method.covariance, .gram] {
            let vendi = try await VendiScore.compute(matrix, method: method)
            #expect(abs((vendi ?? 0) - Double(count)) < 1e-9)
        }
        #expect(await NearDuplicateClustering().cluster(matrix).clusterCount == count)
        #expect(abs((PairwiseSimilarity.meanDistance(matrix) ?? 0) - 1) < 1e-12)
    }

    @Test(arguments: [(30, 40), (60, 40), (300, 24)])
    func vendiFromCovarianceEqualsVendiFromGram(rows: Int, dimension: Int) async throws {
        let matrix = EmbeddingMatrix.randomUnit(rows: rows, dimension: dimension, seed: UInt64(rows))
        let covariance = try #require(try await VendiScore.compute(matrix, method: .covariance))
        let gram = try #require(try await VendiScore.compute(matrix, method: .gram))
        #expect(abs(covariance - gram) < 1e-6)
        #expect(covariance > 1 && covariance <= Double(min(rows, dimension)))
    }

    @Test func meanPairwiseSimilarityFromSumsMatchesTheDirectMean() throws {
        let matrix = EmbeddingMatrix.randomUnit(rows: 50, dimension: 16, seed: 7)
        var direct = 0.0
        for i in 0..<50 { for j in (i + 1)..<50 { direct += Double(matrix.dot(i, j)) } }
        direct /= Double(50 * 49 / 2)
        #expect(abs((PairwiseSimilarity.meanSimilarity(matrix) ?? 9) - direct) < 1e-6)
        let a = matrix.subset(Array(0..<20)), b = matrix.subset(Array(20..<50))
        var cross = 0.0
        for i in 0..<20 { for j in 20..<50 { cross += Double(matrix.dot(i, j)) } }
        #expect(abs((PairwiseSimilarity.meanCrossSimilarity(a, b) ?? 9) - cross / 600) < 1e-6)
        #expect(PairwiseSimilarity.meanSimilarity(matrix.subset([3])) == nil)
    }

    @Test func clusteringJoinsTheMostSimilarRepresentativeAtTheThreshold() async throws {
        // r0 = e0, r1 = e1; x is closer to r1 (0.9) than to r0 (0.85 after normalising), y is below both.
        let rows: [[Float]] = [[1, 0, 0], [0, 1, 0], [0.6, 0.8, 0], [0.3, 0.3, 0.9]]
        let matrix = try EmbeddingMatrix(rows).normalized()
        let result = await NearDuplicateClustering(threshold: 0.8).cluster(matrix)
        #expect(result.assignments == [0, 1, 1, 2])
        #expect(result.representatives == [0, 1, 3])
        #expect(abs(result.similarityToRepresentative[2] - 0.8) < 1e-6)
        let strict = await NearDuplicateClustering(threshold: 0.81).cluster(matrix)
        #expect(strict.clusterCount == 4)
    }

    @Test func blockedPrunedClusteringEqualsTheSequentialDefinition() async throws {
        // Near-duplicates planted among random rows: 1,500 rows cross several parallel blocks.
        let base = EmbeddingMatrix.randomUnit(rows: 500, dimension: 48, seed: 3)
        let noise = EmbeddingMatrix.randomUnit(rows: 1500, dimension: 48, seed: 4)
        var rows: [[Float]] = []
        for i in 0..<1500 {
            let anchor = base.row(i % 500), jitter = noise.row(i)
            let weight: Float = [0.2, 0.45, 0.7][i % 3]
            rows.append(zip(anchor, jitter).map { $0 + weight * $1 })
        }
        let matrix = try EmbeddingMatrix(rows).normalized()
        let fast = await NearDuplicateClustering(threshold: 0.8).cluster(matrix)
        var representatives: [Int] = [], assignments: [Int] = []
        for i in 0..<1500 {
            var best: (Float, Int) = (-1, -1)
            for (cluster, r) in representatives.enumerated() {
                let cosine = matrix.dot(i, r)
                if cosine >= 0.8, cosine > best.0 { best = (cosine, cluster) }
            }
            if best.1 >= 0 { assignments.append(best.1) } else { assignments.append(representatives.count); representatives.append(i) }
        }
        #expect(fast.assignments == assignments)
        #expect(fast.representatives == representatives)
        #expect(fast.clusterCount > 500 && fast.clusterCount < 1500)
    }

    @Test func distinctNOnHandCountedText() {
        let texts = ["The cat sat", "the cat ran", "Cat!"]
        // unigrams: the cat sat the cat ran cat = 7, distinct {the, cat, sat, ran} = 4
        #expect(DistinctN.compute(texts, n: 1) == 4.0 / 7.0)
        // bigrams: the-cat, cat-sat, the-cat, cat-ran = 4, distinct 3
        #expect(DistinctN.compute(texts, n: 2) == 0.75)
        // trigrams: the-cat-sat, the-cat-ran = 2, both distinct
        #expect(DistinctN.compute(texts, n: 3) == 1.0)
        #expect(DistinctN.compute(["one two"], n: 3) == nil)
        // 4-grams take the unpacked path: abcd bcda cdab dabc abcd = 5, distinct 4.
        #expect(DistinctN.compute(["a b c d a b c d"], n: 4) == 0.8)
    }

    @Test func adjustedRandIndexMatchesHandComputedValues() throws {
        // Contingency [[2,1],[0,1,2]]: index 2, expected 6·3/15 = 1.2, max 4.5 → 0.8/3.3 = 8/33.
        let first = try #require(AdjustedRandIndex.compute([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]))
        #expect(abs(first - 8.0 / 33.0) < 1e-12)
        // [[2],[1,1]]: index 1, expected 2·1/6, max 1.5 → (2/3)/(7/6) = 4/7.
        let second = try #require(AdjustedRandIndex.compute(["a", "a", "b", "b"], [7, 7, 8, 9]))
        #expect(abs(second - 4.0 / 7.0) < 1e-12)
        #expect(AdjustedRandIndex.compute([1, 1, 2], ["x", "x", "y"]) == 1)
        #expect(AdjustedRandIndex.compute([1, 2, 3], [4, 5, 6]) == 1)
        #expect(AdjustedRandIndex.compute([1, 1, 1], [4, 5, 6]) == 0)
        #expect(AdjustedRandIndex.compute([1], [1, 2]) == nil)
    }
}
