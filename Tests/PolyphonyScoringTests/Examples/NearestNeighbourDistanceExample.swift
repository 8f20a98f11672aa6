import PolyphonyScoring
import Testing

// ARCHITECTURE.md, "Adding a metric": step 1 of the worked example, compiled and tested. A
// metric starts as a pure function over unit-normalised idea embeddings, pinned by a test
// with values worked out by hand; the later steps (a field in `DiversitySummary`, a line in
// `DiversityAnalyzer.summary`, the text, CSV and HTML columns, the JSON schema, docs/metrics.md,
// and `RunMetrics` for experiments) are listed in ARCHITECTURE.md.

/// Mean nearest-neighbour distance: for each idea, 1 − the cosine similarity to the idea most
/// like it, averaged. Where mean pairwise distance rewards a pool with a few far-apart
/// clusters, this one asks how isolated a typical idea is.
enum NearestNeighbourDistance {
    /// - Parameter matrix: Unit-normalised rows, one per idea.
    /// - Returns: `nil` with fewer than two ideas.
    static func mean(_ matrix: EmbeddingMatrix) -> Double? {
        guard matrix.rows >= 2 else { return nil }
        var total = 0.0
        for i in 0..<matrix.rows {
            var nearest = -Float.infinity
            for j in 0..<matrix.rows where j != i { nearest = max(nearest, matrix.dot(i, j)) }
            total += 1 - Double(nearest)
        }
        return total / Double(matrix.rows)
    }
}

@Suite struct NearestNeighbourDistanceExample {
    @Test func twoIdenticalIdeasAndOneOrthogonalGiveOneThird() throws {
        // Rows a, a, b with a ⟂ b: the two copies are each other's neighbour (distance 0); b's
        // nearest is at cosine 0 (distance 1). Mean = (0 + 0 + 1) / 3.
        let matrix = try EmbeddingMatrix([[1, 0], [1, 0], [0, 1]])
        let value = try #require(NearestNeighbourDistance.mean(matrix))
        #expect(abs(value - 1.0 / 3.0) < 1e-9)
    }

    @Test func threeIdeasEvenlyRoundACircleAreOneAndAHalfFromTheirNeighbour() throws {
        // Three unit vectors 120° apart in the plane: every pair has cosine −0.5, so each
        // idea's nearest neighbour is at distance 1.5.
        let s = Float(3).squareRoot() / 2
        let matrix = try EmbeddingMatrix([[1, 0], [-0.5, s], [-0.5, -s]])
        let value = try #require(NearestNeighbourDistance.mean(matrix))
        #expect(abs(value - 1.5) < 1e-6)
    }

    @Test func oneIdeaHasNoNeighbour() throws {
        #expect(NearestNeighbourDistance.mean(try EmbeddingMatrix([[1, 0]])) == nil)
    }
}
