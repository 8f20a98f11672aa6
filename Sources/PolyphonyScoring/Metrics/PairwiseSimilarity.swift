/// Mean cosine similarities computed from sums of unit vectors, in O(n·d) rather than O(n²·d).
///
/// For unit rows eᵢ with s = Σ eᵢ, Σ_{i<j} eᵢ·eⱼ = (|s|² − Σ|eᵢ|²) / 2 (the mean pairwise
/// cosine similarity the "Artificial Hivemind" study, Jiang et al. 2025, reports).
package enum PairwiseSimilarity {
    /// The mean cosine similarity over all unordered pairs of rows of a unit-normalised matrix.
    /// - Returns: `nil` when there are fewer than two rows.
    package static func meanSimilarity(_ matrix: EmbeddingMatrix) -> Double? {
        let n = matrix.rows
        guard n >= 2 else { return nil }
        let (sum, squares) = SimilarityMatrices.rowSum(matrix)
        let total = sum.reduce(0) { $0 + $1 * $1 }
        return (total - squares) / Double(n * (n - 1))
    }

    /// The mean pairwise cosine distance, 1 − ``meanSimilarity(_:)``.
    package static func meanDistance(_ matrix: EmbeddingMatrix) -> Double? {
        meanSimilarity(matrix).map { 1 - $0 }
    }

    /// The mean cosine similarity between every row of `a` and every row of `b`: s_A·s_B / (|A|·|B|).
    /// - Returns: `nil` when either side is empty.
    package static func meanCrossSimilarity(_ a: EmbeddingMatrix, _ b: EmbeddingMatrix) -> Double? {
        guard a.rows > 0, b.rows > 0, a.dimension == b.dimension else { return nil }
        let sa = SimilarityMatrices.rowSum(a).sum, sb = SimilarityMatrices.rowSum(b).sum
        var dot = 0.0
        for k in sa.indices { dot += sa[k] * sb[k] }
        return dot / Double(a.rows * b.rows)
    }
}
