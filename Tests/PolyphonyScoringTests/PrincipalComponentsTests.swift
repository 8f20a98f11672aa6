import PolyphonyCore
import Testing
@testable import PolyphonyScoring

/// The idea map's projection from a known EᵀE matches the projection from the rows.
struct PrincipalComponentsTests {
    @Test func projectionFromTheSecondMomentMatchesTheProjectionFromTheRows() async throws {
        let random = EmbeddingMatrix.randomUnit(rows: 500, dimension: 16, seed: 6)
        // Stretch a few axes so the first two components are well separated, then re-normalise.
        let matrix = try EmbeddingMatrix(rows: 500, dimension: 16, values: random.values.enumerated().map { index, value in
            value * Float([4, 2.5, 1.5][safe: index % 16] ?? 1)
        }).normalized()
        let fromRows = PrincipalComponents.project(matrix)
        let fromMoment = PrincipalComponents.project(matrix, secondMoment: await SimilarityMatrices.covariance(matrix))
        #expect(fromRows.count == 500)
        for (a, b) in zip(fromRows, fromMoment) {
            #expect(abs(a.x - b.x) <= 1e-9 && abs(a.y - b.y) <= 1e-9)
        }
        #expect(fromRows.contains { abs($0.x) > 0.1 })
    }
}

private extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
