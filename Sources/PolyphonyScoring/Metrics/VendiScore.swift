import Foundation
import PolyphonyCore

/// The Vendi score (Friedman & Dieng 2023, "The Vendi Score: A Diversity Evaluation Metric
/// for Machine Learning", TMLR): VS = exp(−Σ λᵢ log λᵢ), where λᵢ are the eigenvalues of
/// K/n and K = E·Eᵀ is the cosine-similarity kernel of unit-norm embeddings. It reads as the
/// effective number of distinct items: 1 for n copies of one idea, n for n orthogonal ideas.
package enum VendiScore {
    /// Which matrix the eigenvalues are taken from. Both give the same nonzero spectrum.
    package enum Method: String, Sendable, Codable {
        /// Pick the smaller one: d×d when n > d, else n×n.
        case automatic
        /// The d×d matrix EᵀE/n: O(n·d²) time, O(d²) memory.
        case covariance
        /// The n×n Gram matrix EEᵀ/n: O(n²·d) time, O(n²) memory.
        case gram
    }

    /// The Vendi score of the rows of `matrix`, which should be unit-normalised.
    ///
    /// Eigenvalues are divided by their sum (the trace, which is n for unit rows), so rows
    /// that are all zero (empty texts) carry no weight instead of breaking the formula.
    /// - Returns: The score, or `nil` for an empty matrix or one whose rows are all zero.
    package static func compute(_ matrix: EmbeddingMatrix, method: Method = .automatic) async throws -> Double? {
        guard matrix.rows > 0 else { return nil }
        let useCovariance = switch method {
        case .automatic: matrix.rows > matrix.dimension
        case .covariance: true
        case .gram: false
        }
        let eigenvalues: [Double]
        if useCovariance {
            let covariance = await SimilarityMatrices.covariance(matrix)
            eigenvalues = try SymmetricEigenvalues.compute(covariance, size: matrix.dimension)
        } else {
            eigenvalues = try SymmetricEigenvalues.compute(SimilarityMatrices.gram(matrix), size: matrix.rows)
        }
        return fromEigenvalues(eigenvalues)
    }

    /// exp of the Shannon entropy of the normalised positive eigenvalues.
    static func fromEigenvalues(_ eigenvalues: [Double]) -> Double? {
        let trace = eigenvalues.reduce(0) { $0 + max(0, $1) }
        guard trace > 0 else { return nil }
        var entropy = 0.0
        for value in eigenvalues where value > 0 {
            let p = value / trace
            entropy -= p * log(p)
        }
        return exp(entropy)
    }
}
