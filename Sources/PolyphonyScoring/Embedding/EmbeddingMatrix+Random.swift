import Foundation
import PolyphonyCore

extension EmbeddingMatrix {
    /// Rows drawn uniformly from the unit sphere (normalised Gaussians), reproducible from
    /// `seed`; for benchmarks and tests of the metrics.
    package static func randomUnit(rows: Int, dimension: Int, seed: UInt64) -> EmbeddingMatrix {
        var generator = SplitMix64(seed: seed)
        var values = [Float](repeating: 0, count: rows * dimension)
        for index in values.indices {
            // Box–Muller; the open interval keeps log away from zero.
            let u1 = (Double(generator.next() >> 11) + 0.5) / 9_007_199_254_740_992
            let u2 = Double(generator.next() >> 11) / 9_007_199_254_740_992
            values[index] = Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
        }
        return EmbeddingMatrix(unchecked: rows, dimension, values).normalized()
    }
}
