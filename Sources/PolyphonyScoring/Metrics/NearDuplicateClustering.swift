import Foundation

/// Greedy near-duplicate clustering ("unique ideas"), as used to count non-duplicate ideas by
/// Si et al. 2024 ("Can LLMs Generate Novel Research Ideas?") and Ueda et al. 2025: ideas are
/// visited in order; each joins the most similar existing cluster representative when their
/// cosine similarity is at least the threshold, and otherwise founds a new cluster and becomes
/// its representative.
///
/// Memory is linear in n: only representatives are kept, never an n×n matrix. Work is pruned
/// exactly with a Cauchy–Schwarz bound: the dot product over the first `prefix` dimensions
/// plus |x_rest|·|r_rest| bounds the full cosine, so most pairs are rejected after a quarter
/// of the dimensions. Blocks of ideas are compared against earlier representatives in
/// parallel; the result is identical to the sequential definition.
public struct NearDuplicateClustering: Sendable {
    /// The outcome: a cluster for every idea, in the order clusters were founded.
    public struct Result: Sendable, Hashable, Codable {
        /// The cluster index of each row.
        public var assignments: [Int]
        /// The row that founded each cluster.
        public var representatives: [Int]
        /// The cosine similarity of each row to its cluster's representative (1 for representatives).
        public var similarityToRepresentative: [Float]

        /// The number of clusters: the unique-idea count.
        public var clusterCount: Int { representatives.count }
        /// Members per cluster.
        public var sizes: [Int] {
            var sizes = [Int](repeating: 0, count: representatives.count)
            for cluster in assignments { sizes[cluster] += 1 }
            return sizes
        }
        /// Unique ÷ total, or `nil` with no ideas.
        public var yield: Double? {
            assignments.isEmpty ? nil : Double(representatives.count) / Double(assignments.count)
        }
    }

    /// The literature's cut, always reported next to the threshold in use.
    public static let literatureThreshold: Float = 0.8

    public var threshold: Float

    public init(threshold: Float = NearDuplicateClustering.literatureThreshold) {
        self.threshold = threshold
    }

    /// Rows compared against earlier representatives in one parallel step.
    private static let blockSize = 512

    /// Clusters the rows of a unit-normalised matrix.
    public func cluster(_ matrix: EmbeddingMatrix) async -> Result {
        let n = matrix.rows, d = matrix.dimension
        guard n > 0 else { return Result(assignments: [], representatives: [], similarityToRepresentative: []) }
        // A multiple of 16 keeps the prefix kernel on full SIMD lanes.
        let prefix = min(d, max(16, (d / 4 + 15) / 16 * 16))
        let values = matrix.values
        var suffixNorms = [Float](repeating: 0, count: n)
        // Prefixes of all rows, contiguous, so scans stream through cache instead of striding rows.
        var prefixes = [Float](repeating: 0, count: n * prefix)
        values.withUnsafeBufferPointer { e in
            for i in 0..<n {
                var sum: Float = 0
                for k in prefix..<d { sum += e[i * d + k] * e[i * d + k] }
                suffixNorms[i] = sum.squareRoot()
                for k in 0..<prefix { prefixes[i * prefix + k] = e[i * d + k] }
            }
        }
        let scan = Scan(values: values, prefixes: prefixes, norms: suffixNorms, dimension: d, prefix: prefix, threshold: threshold)
        var representatives: [Int] = []
        var assignments = [Int](repeating: -1, count: n)
        var similarity = [Float](repeating: 1, count: n)
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

        var blockStart = 0
        while blockStart < n {
            let blockEnd = min(n, blockStart + Self.blockSize)
            let known = representatives
            // Against representatives founded before this block: independent per row.
            var earlier = [Match](repeating: Match(), count: blockEnd - blockStart)
            if !known.isEmpty {
                let chunk = (blockEnd - blockStart + workers - 1) / workers
                let parts = await withTaskGroup(of: (Int, [Match]).self) { group in
                    for lower in stride(from: blockStart, to: blockEnd, by: chunk) {
                        let upper = min(blockEnd, lower + chunk)
                        group.addTask { (lower, scan.best(rows: lower..<upper, among: known)) }
                    }
                    var parts: [(Int, [Match])] = []
                    for await part in group { parts.append(part) }
                    return parts
                }
                for (lower, found) in parts {
                    for (offset, match) in found.enumerated() { earlier[lower - blockStart + offset] = match }
                }
            }
            // Within the block: sequential, against representatives this block has founded.
            for row in blockStart..<blockEnd {
                var match = earlier[row - blockStart]
                if representatives.count > known.count {
                    let local = scan.best(rows: row..<(row + 1), among: representatives[known.count...])[0]
                    if local.similarity > match.similarity { match = local }
                }
                if match.representative >= 0, match.similarity >= threshold {
                    assignments[row] = assignments[match.representative]
                    similarity[row] = match.similarity
                } else {
                    assignments[row] = representatives.count
                    representatives.append(row)
                }
            }
            blockStart = blockEnd
        }
        return Result(assignments: assignments, representatives: representatives, similarityToRepresentative: similarity)
    }

    /// The best representative found for a row so far.
    struct Match: Sendable {
        var similarity: Float = -.infinity
        var representative = -1
    }

    /// The read-only data a search shares across tasks.
    struct Scan: Sendable {
        let values: [Float]
        let prefixes: [Float]
        let norms: [Float]
        let dimension: Int
        let prefix: Int
        let threshold: Float

        /// Representatives scanned per tile: 256 × 96 floats stay in L2 while every row passes over them.
        private static let tile = 256

        /// For each row, the most similar candidate at or above the threshold; ties go to the earlier candidate.
        func best<C: RandomAccessCollection<Int>>(rows: Range<Int>, among candidates: C) -> [Match] {
            var found = [Match](repeating: Match(), count: rows.count)
            // Rounding in the bound must never prune a true match.
            let slack: Float = 1e-4
            let d = dimension, p = prefix
            values.withUnsafeBufferPointer { e in
                prefixes.withUnsafeBufferPointer { heads in
                    norms.withUnsafeBufferPointer { norms in
                        var tileStart = candidates.startIndex
                        while tileStart < candidates.endIndex {
                            let tileEnd = candidates.index(tileStart, offsetBy: Self.tile, limitedBy: candidates.endIndex) ?? candidates.endIndex
                            let tile = candidates[tileStart..<tileEnd]
                            for (offset, row) in rows.enumerated() {
                                let x = heads.baseAddress! + row * p
                                let xNorm = norms[row]
                                var best = found[offset]
                                // Confirms a candidate whose prefix passed the bound with the full dot product.
                                func consider(_ candidate: Int, head: Float) {
                                    if head + xNorm * norms[candidate] + slack < threshold { return }
                                    let cosine = head + VectorKernels.dot(
                                        e.baseAddress! + row * d + p, e.baseAddress! + candidate * d + p, count: d - p)
                                    if cosine >= threshold, cosine > best.similarity {
                                        best = Match(similarity: cosine, representative: candidate)
                                    }
                                }
                                var index = tile.startIndex
                                if p % 8 == 0 {
                                    while tile.distance(from: index, to: tile.endIndex) >= 4 {
                                        let c0 = tile[index], c1 = tile[tile.index(index, offsetBy: 1)]
                                        let c2 = tile[tile.index(index, offsetBy: 2)], c3 = tile[tile.index(index, offsetBy: 3)]
                                        let h = VectorKernels.dot4(
                                            x, heads.baseAddress! + c0 * p, heads.baseAddress! + c1 * p,
                                            heads.baseAddress! + c2 * p, heads.baseAddress! + c3 * p, count: p)
                                        consider(c0, head: h[0])
                                        consider(c1, head: h[1])
                                        consider(c2, head: h[2])
                                        consider(c3, head: h[3])
                                        index = tile.index(index, offsetBy: 4)
                                    }
                                }
                                while index < tile.endIndex {
                                    consider(tile[index], head: VectorKernels.dot(x, heads.baseAddress! + tile[index] * p, count: p))
                                    index = tile.index(after: index)
                                }
                                found[offset] = best
                            }
                            tileStart = tileEnd
                        }
                    }
                }
            }
            return found
        }
    }
}
