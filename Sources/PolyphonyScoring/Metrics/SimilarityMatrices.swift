import Foundation

/// Second-moment matrices of an embedding matrix E (n×d), accumulated in Double.
enum SimilarityMatrices {
    /// EᵀE (d×d, row-major), summed over rows in parallel chunks; memory is O(d²) per worker,
    /// never O(n²).
    static func covariance(_ matrix: EmbeddingMatrix) async -> [Double] {
        let n = matrix.rows, d = matrix.dimension
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, n / 256))
        let values = matrix.values
        // Partial sums are added in worker order, not completion order, so the same input
        // always gives the same bits (experiments compare merged and unsharded analyses).
        let partials = await withTaskGroup(of: (Int, [Double]).self) { group in
            for worker in 0..<workers {
                let lower = n * worker / workers, upper = n * (worker + 1) / workers
                group.addTask { (worker, covarianceChunk(values, rows: lower..<upper, dimension: d)) }
            }
            var all = [[Double]](repeating: [], count: workers)
            for await (worker, partial) in group { all[worker] = partial }
            return all
        }
        var total = [Double](repeating: 0, count: d * d)
        for partial in partials {
            for k in 0..<(d * d) { total[k] += partial[k] }
        }
        // Only the upper triangle was accumulated; mirror it.
        for a in 0..<d {
            for b in 0..<a { total[a * d + b] = total[b * d + a] }
        }
        return total
    }

    private static func covarianceChunk(_ values: [Float], rows: Range<Int>, dimension d: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: d * d)
        var row = [Double](repeating: 0, count: d)
        values.withUnsafeBufferPointer { e in
            sums.withUnsafeMutableBufferPointer { c in
                row.withUnsafeMutableBufferPointer { x in
                    for i in rows {
                        let base = i * d
                        for k in 0..<d { x[k] = Double(e[base + k]) }
                        for a in 0..<d {
                            let xa = x[a]
                            if xa == 0 { continue }
                            let target = c.baseAddress! + a * d
                            for b in a..<d { target[b] += xa * x[b] }
                        }
                    }
                }
            }
        }
        return sums
    }

    /// EEᵀ (n×n, row-major). Only for small n: callers use ``covariance(_:)`` when n > d.
    static func gram(_ matrix: EmbeddingMatrix) -> [Double] {
        let n = matrix.rows, d = matrix.dimension
        var gram = [Double](repeating: 0, count: n * n)
        matrix.values.withUnsafeBufferPointer { e in
            for i in 0..<n {
                for j in i..<n {
                    var sum = 0.0
                    for k in 0..<d { sum += Double(e[i * d + k]) * Double(e[j * d + k]) }
                    gram[i * n + j] = sum
                    gram[j * n + i] = sum
                }
            }
        }
        return gram
    }

    /// The sum of the rows (Σᵢ eᵢ) and the sum of their squared norms.
    static func rowSum(_ matrix: EmbeddingMatrix) -> (sum: [Double], squaredNorms: Double) {
        let d = matrix.dimension
        var sum = [Double](repeating: 0, count: d)
        var squares = 0.0
        matrix.values.withUnsafeBufferPointer { e in
            for i in 0..<matrix.rows {
                for k in 0..<d {
                    let value = Double(e[i * d + k])
                    sum[k] += value
                    squares += value * value
                }
            }
        }
        return (sum, squares)
    }
}
