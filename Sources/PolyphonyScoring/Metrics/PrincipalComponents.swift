import PolyphonyCore

/// A 2-D projection of idea embeddings onto their first two principal components (the idea
/// map in HTML reports), found by power iteration on the centred data without forming the
/// d×d covariance: each step is two passes over E, O(n·d).
package enum PrincipalComponents {
    /// The coordinates of each row on the first two principal components (0 where the data
    /// has fewer than two directions of variance).
    package static func project(_ matrix: EmbeddingMatrix, iterations: Int = 25) -> [(x: Double, y: Double)] {
        let n = matrix.rows, d = matrix.dimension
        guard n > 0 else { return [] }
        let (sum, _) = SimilarityMatrices.rowSum(matrix)
        let mean = sum.map { $0 / Double(n) }
        var components: [[Double]] = []
        var generator = SplitMix64(seed: 1)
        for _ in 0..<2 {
            var v = (0..<d).map { _ in Double(generator.next() >> 11) / 9_007_199_254_740_992 - 0.5 }
            for _ in 0..<iterations {
                var next = covarianceTimes(v, matrix: matrix, mean: mean)
                // Deflate: stay orthogonal to components already found.
                for component in components {
                    let overlap = zip(next, component).reduce(0) { $0 + $1.0 * $1.1 }
                    for k in 0..<d { next[k] -= overlap * component[k] }
                }
                let norm = next.reduce(0) { $0 + $1 * $1 }.squareRoot()
                guard norm > 1e-12 else { v = [Double](repeating: 0, count: d); break }
                v = next.map { $0 / norm }
            }
            components.append(v)
        }
        var result: [(x: Double, y: Double)] = []
        result.reserveCapacity(n)
        matrix.values.withUnsafeBufferPointer { e in
            for i in 0..<n {
                var x = 0.0, y = 0.0
                for k in 0..<d {
                    let centred = Double(e[i * d + k]) - mean[k]
                    x += centred * components[0][k]
                    y += centred * components[1][k]
                }
                result.append((x, y))
            }
        }
        return result
    }

    /// (E − 1μᵀ)ᵀ (E − 1μᵀ) v, computed as two passes over the rows.
    private static func covarianceTimes(_ v: [Double], matrix: EmbeddingMatrix, mean: [Double]) -> [Double] {
        let n = matrix.rows, d = matrix.dimension
        var result = [Double](repeating: 0, count: d)
        let meanDotV = zip(mean, v).reduce(0) { $0 + $1.0 * $1.1 }
        matrix.values.withUnsafeBufferPointer { e in
            for i in 0..<n {
                var projection = -meanDotV
                for k in 0..<d { projection += Double(e[i * d + k]) * v[k] }
                for k in 0..<d { result[k] += (Double(e[i * d + k]) - mean[k]) * projection }
            }
        }
        return result
    }
}
