import CPolyphonyKernels
import Foundation
import PolyphonyCore

extension NearDuplicateClustering {
    /// Rows of a unit-normalised matrix prepared for pruned similarity search.
    ///
    /// An orthonormal basis Q of k directions splits every row x into its head Qᵀx and the
    /// rest x − QQᵀx, orthogonal to it. For two rows, x·r = head(x)·head(r) + rest(x)·rest(r)
    /// ≤ head(x)·head(r) + |rest(x)|·|rest(r)| (Cauchy–Schwarz), so a pair whose bound is below
    /// the threshold is rejected after k multiplications instead of d. The bound only ever
    /// overestimates (rest norms are rounded up and ``slack`` covers Float rounding), so pruning
    /// never changes a result: every similarity that decides anything is the full dot product.
    ///
    /// How much is pruned depends on the basis. Real embeddings keep most of their energy in a
    /// few directions (MiniLM and hashed lexical vectors share a large common component), so for
    /// 256 rows or more Q spans the top principal directions of EᵀE — found by orthogonal
    /// iteration on a sample of rows — and k is chosen by measuring on a sample which prefix
    /// length rejects most pairs for the least work. Small inputs use the first d/4 coordinates.
    struct Index: Sendable {
        /// Added to every bound so that Float rounding can never prune a true match.
        static let slack: Float = 1e-3

        /// The rows, row-major.
        let values: [Float]
        let dimension: Int
        /// Floats per head: k rounded up to a multiple of 8 (the 4-way kernel's width), zero-padded.
        let prefix: Int
        /// Each row's head, `prefix` floats per row.
        let heads: [Float]
        /// Each row's |rest|, rounded up.
        let restNorms: [Float]

        /// The cost of a head multiplication relative to one of the full dot product, for choosing k.
        /// The pair list's bound kernel (AVX2 or AVX-512 FMA over panels of candidates) does a head
        /// coordinate about 8× cheaper than ``VectorKernels/dot(_:_:count:)`` does a full one;
        /// ``Scan`` pays the same for both. ¼ splits the difference: on the study-scale lexical
        /// vectors it picks k = 32 (0.26% of pairs pass) over k = 16 (4.3% pass), which cuts the
        /// pair list's full dot products 16× for a scan that costs about the same either way.
        static let headCost: Double = polyphony_bound_kernel_level() >= 1 ? 0.25 : 1

        /// Rows sampled to find the principal directions and to choose k.
        private static let basisSample = 4_096
        private static let choiceSample = 384
        private static let candidatePrefixes = [16, 32, 48, 64, 96, 128]

        /// - Parameter threshold: The lowest threshold the index will serve; it steers the choice of k only.
        init(_ matrix: EmbeddingMatrix, threshold: Float) async {
            let n = matrix.rows, d = matrix.dimension
            values = matrix.values
            dimension = d
            var basis: [[Float]]
            if n >= 256 && d >= 64 {
                let directions = Self.principalDirections(matrix, count: min(d, Self.candidatePrefixes.last!))
                let k = Self.chooseLength(matrix, directions: directions, threshold: threshold)
                basis = Array(directions.prefix(k))
            } else {
                // The first coordinates, as unit vectors.
                let k = min(d, max(1, (d / 4 + 15) / 16 * 16))
                basis = (0..<k).map { axis in (0..<d).map { $0 == axis ? 1 : 0 } }
            }
            let p = (basis.count + 7) / 8 * 8
            prefix = p
            (heads, restNorms) = await Self.project(values, rows: n, dimension: d, basis: basis, prefix: p)
        }

        /// Heads (zero-padded to `prefix`) and rounded-up rest norms of every row, in parallel chunks.
        private static func project(_ values: [Float], rows n: Int, dimension d: Int, basis: [[Float]], prefix p: Int) async -> ([Float], [Float]) {
            let flat = basis.flatMap { $0 }, k = basis.count
            let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, n / 1_024))
            let parts = await withTaskGroup(of: (Int, [Float], [Float]).self) { group in
                for worker in 0..<workers {
                    let lower = n * worker / workers, upper = n * (worker + 1) / workers
                    group.addTask {
                        var heads = [Float](repeating: 0, count: (upper - lower) * p)
                        var norms = [Float](repeating: 0, count: upper - lower)
                        values.withUnsafeBufferPointer { e in
                            flat.withUnsafeBufferPointer { q in
                                for row in lower..<upper {
                                    let x = e.baseAddress! + row * d
                                    var total = 0.0, head = 0.0
                                    for j in 0..<d { total += Double(x[j]) * Double(x[j]) }
                                    for j in 0..<k {
                                        let value = VectorKernels.dot(x, q.baseAddress! + j * d, count: d)
                                        heads[(row - lower) * p + j] = value
                                        head += Double(value) * Double(value)
                                    }
                                    // 1e-4 under the root covers the rounding of both sums, so the norm is never too small.
                                    norms[row - lower] = Float((max(0, total - head) + 1e-4).squareRoot())
                                }
                            }
                        }
                        return (worker, heads, norms)
                    }
                }
                var parts = [([Float], [Float])](repeating: ([], []), count: workers)
                for await (worker, heads, norms) in group { parts[worker] = (heads, norms) }
                return parts
            }
            return (parts.flatMap(\.0), parts.flatMap(\.1))
        }

        /// Orthonormal directions ordered by how much of EᵀE's energy each carries (largest
        /// first): orthogonal iteration from a seeded start on evenly spaced rows.
        private static func principalDirections(_ matrix: EmbeddingMatrix, count k: Int) -> [[Float]] {
            let n = matrix.rows, d = matrix.dimension
            let sampled = min(n, basisSample)
            var moment = [Double](repeating: 0, count: d * d)
            matrix.values.withUnsafeBufferPointer { e in
                var x = [Double](repeating: 0, count: d)
                for s in 0..<sampled {
                    let base = (s * n / sampled) * d
                    for j in 0..<d { x[j] = Double(e[base + j]) }
                    for a in 0..<d where x[a] != 0 {
                        let xa = x[a]
                        for b in a..<d { moment[a * d + b] += xa * x[b] }
                    }
                }
            }
            for a in 0..<d { for b in 0..<a { moment[a * d + b] = moment[b * d + a] } }
            var generator = SplitMix64(seed: 0x5EED)
            var q = (0..<k).map { _ in (0..<d).map { _ in Double(generator.next() % 2_001) / 1_000 - 1 } }
            orthonormalize(&q)
            for _ in 0..<8 {
                q = q.map { multiply(moment, $0, d) }
                orthonormalize(&q)
            }
            let energy = q.map { v in zip(v, multiply(moment, v, d)).reduce(0) { $0 + $1.0 * $1.1 } }
            return q.indices.sorted { energy[$0] > energy[$1] }.map { q[$0].map(Float.init) }
        }

        private static func multiply(_ m: [Double], _ v: [Double], _ d: Int) -> [Double] {
            (0..<d).map { a in
                m.withUnsafeBufferPointer { mp in v.withUnsafeBufferPointer { VectorKernels.dot(mp.baseAddress! + a * d, $0.baseAddress!, count: d) } }
            }
        }

        /// Modified Gram–Schmidt; a vector that collapses is replaced by a coordinate axis.
        private static func orthonormalize(_ q: inout [[Double]]) {
            let d = q.first?.count ?? 0
            for i in q.indices {
                for attempt in 0...d {
                    for j in 0..<i {
                        let dot = zip(q[i], q[j]).reduce(0) { $0 + $1.0 * $1.1 }
                        for t in 0..<d { q[i][t] -= dot * q[j][t] }
                    }
                    let norm = q[i].reduce(0) { $0 + $1 * $1 }.squareRoot()
                    if norm > 1e-9 {
                        for t in 0..<d { q[i][t] /= norm }
                        break
                    }
                    q[i] = (0..<d).map { $0 == (i + attempt) % d ? 1 : 0 }
                }
            }
        }

        /// The head length whose bound rejects sample pairs for the least expected work: k
        /// multiplications per pair (weighted by ``headCost``) plus d for each pair the bound lets through.
        private static func chooseLength(_ matrix: EmbeddingMatrix, directions: [[Float]], threshold: Float) -> Int {
            let n = matrix.rows, d = matrix.dimension, k = directions.count
            let sampled = min(n, choiceSample)
            let lengths = candidatePrefixes.filter { $0 <= k }
            guard lengths.count > 1 else { return min(k, lengths.first ?? k) }
            var heads = [[Float]](repeating: [], count: sampled)
            var totals = [Float](repeating: 0, count: sampled)
            matrix.values.withUnsafeBufferPointer { e in
                for s in 0..<sampled {
                    let x = e.baseAddress! + (s * n / sampled) * d
                    totals[s] = VectorKernels.dot(x, x, count: d)
                    heads[s] = directions.map { q in q.withUnsafeBufferPointer { VectorKernels.dot(x, $0.baseAddress!, count: d) } }
                }
            }
            var passed = [Int](repeating: 0, count: lengths.count)
            for a in 0..<sampled {
                for b in (a + 1)..<max(a + 1, sampled) {
                    var head: Float = 0, headA: Float = 0, headB: Float = 0, start = 0
                    for (index, length) in lengths.enumerated() {
                        for j in start..<length {
                            head += heads[a][j] * heads[b][j]
                            headA += heads[a][j] * heads[a][j]
                            headB += heads[b][j] * heads[b][j]
                        }
                        start = length
                        let bound = head + (max(0, totals[a] - headA) * max(0, totals[b] - headB)).squareRoot()
                        if bound + slack >= threshold { passed[index] += 1 }
                    }
                }
            }
            let pairs = Double(max(1, sampled * (sampled - 1) / 2))
            let costs = lengths.indices.map { Double(lengths[$0]) * headCost + Double(passed[$0]) / pairs * Double(d) }
            return lengths[costs.indices.min { costs[$0] < costs[$1] }!]
        }
    }
}
