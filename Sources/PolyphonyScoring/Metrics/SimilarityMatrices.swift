import Foundation

/// Second-moment matrices of an embedding matrix E (n×d), accumulated in Double.
enum SimilarityMatrices {
    /// EᵀE (d×d, row-major), summed over rows in parallel chunks; memory is O(d²) per worker,
    /// never O(n²).
    static func covariance(_ matrix: EmbeddingMatrix) async -> [Double] {
        await covariance(matrix, rows: 0..<matrix.rows)
    }

    /// EᵀE over the rows `rows` of `matrix` only (a subset, without copying it).
    static func covariance<R: RandomAccessCollection<Int> & Sendable>(_ matrix: EmbeddingMatrix, rows: R) async -> [Double] where R.SubSequence: Sendable {
        let n = rows.count, d = matrix.dimension
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, n / 256))
        let values = matrix.values
        // Partial sums are added in worker order, not completion order, so the same input
        // always gives the same bits (experiments compare merged and unsharded analyses).
        let partials = await withTaskGroup(of: (Int, [Double]).self) { group in
            for worker in 0..<workers {
                let lower = rows.index(rows.startIndex, offsetBy: n * worker / workers)
                let upper = rows.index(rows.startIndex, offsetBy: n * (worker + 1) / workers)
                let chunk = rows[lower..<upper]
                group.addTask { (worker, covarianceChunk(values, rows: chunk, dimension: d)) }
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

    /// The upper triangle of Σ xxᵀ over `rows`, four rows per sweep of the d×d sums so each
    /// sum is loaded and stored once for four rows (the sweep is bound by those loads).
    private static func covarianceChunk<R: Collection<Int>>(_ values: [Float], rows: R, dimension d: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: d * d)
        var block = [Double](repeating: 0, count: 4 * d)
        values.withUnsafeBufferPointer { e in
            sums.withUnsafeMutableBufferPointer { c in
                block.withUnsafeMutableBufferPointer { x in
                    let x0 = x.baseAddress!, x1 = x0 + d, x2 = x1 + d, x3 = x2 + d
                    var iterator = rows.makeIterator()
                    var pending = rows.count
                    while pending >= 4 {
                        for slot in 0..<4 {
                            let base = iterator.next()! * d, target = x0 + slot * d
                            for k in 0..<d { target[k] = Double(e[base + k]) }
                        }
                        for a in 0..<d {
                            let a0 = x0[a], a1 = x1[a], a2 = x2[a], a3 = x3[a]
                            if a0 == 0 && a1 == 0 && a2 == 0 && a3 == 0 { continue }
                            let target = c.baseAddress! + a * d
                            for b in a..<d { target[b] += (a0 * x0[b] + a1 * x1[b]) + (a2 * x2[b] + a3 * x3[b]) }
                        }
                        pending -= 4
                    }
                    while pending > 0 {
                        let base = iterator.next()! * d
                        for k in 0..<d { x0[k] = Double(e[base + k]) }
                        for a in 0..<d {
                            let xa = x0[a]
                            if xa == 0 { continue }
                            let target = c.baseAddress! + a * d
                            for b in a..<d { target[b] += xa * x0[b] }
                        }
                        pending -= 1
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
        rowSum(matrix, rows: 0..<matrix.rows)
    }

    /// The sum of the rows `rows` and of their squared norms, in their order.
    static func rowSum<R: Sequence<Int>>(_ matrix: EmbeddingMatrix, rows: R) -> (sum: [Double], squaredNorms: Double) {
        let d = matrix.dimension
        var sum = [Double](repeating: 0, count: d)
        var squares = 0.0
        matrix.values.withUnsafeBufferPointer { e in
            for i in rows {
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
