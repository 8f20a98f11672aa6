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
        let prefix = min(d, max(8, d / 4))
        let values = matrix.values
        var suffixNorms = [Float](repeating: 0, count: n)
        values.withUnsafeBufferPointer { e in
            for i in 0..<n {
                var sum: Float = 0
                for k in prefix..<d { sum += e[i * d + k] * e[i * d + k] }
                suffixNorms[i] = sum.squareRoot()
            }
        }
        let norms = suffixNorms
        var representatives: [Int] = []
        var assignments = [Int](repeating: -1, count: n)
        var similarity = [Float](repeating: 1, count: n)
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let threshold = self.threshold

        var blockStart = 0
        while blockStart < n {
            let blockEnd = min(n, blockStart + Self.blockSize)
            let known = representatives
            // Against representatives founded before this block: independent per row.
            var earlier = [(Float, Int)](repeating: (-.infinity, -1), count: blockEnd - blockStart)
            if !known.isEmpty {
                let chunk = (blockEnd - blockStart + workers - 1) / workers
                let parts = await withTaskGroup(of: (Int, [(Float, Int)]).self) { group in
                    for lower in stride(from: blockStart, to: blockEnd, by: chunk) {
                        let upper = min(blockEnd, lower + chunk)
                        group.addTask {
                            let found = (lower..<upper).map { row in
                                Self.best(row: row, among: known, values: values, norms: norms, dimension: d, prefix: prefix, threshold: threshold)
                            }
                            return (lower, found)
                        }
                    }
                    var parts: [(Int, [(Float, Int)])] = []
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
                    let local = Self.best(
                        row: row, among: representatives[known.count...], values: values, norms: norms,
                        dimension: d, prefix: prefix, threshold: threshold)
                    if local.0 > match.0 { match = local }
                }
                if match.1 >= 0, match.0 >= threshold {
                    assignments[row] = assignments[match.1]
                    similarity[row] = match.0
                } else {
                    assignments[row] = representatives.count
                    representatives.append(row)
                }
            }
            blockStart = blockEnd
        }
        return Result(assignments: assignments, representatives: representatives, similarityToRepresentative: similarity)
    }

    /// The most similar representative at or above `threshold` (similarity, row), or (−∞, −1).
    /// Ties go to the earlier representative.
    private static func best<C: Collection<Int>>(
        row: Int, among candidates: C, values: [Float], norms: [Float], dimension d: Int, prefix: Int, threshold: Float
    ) -> (Float, Int) {
        var best: (Float, Int) = (-.infinity, -1)
        // Rounding in the bound must never prune a true match.
        let slack: Float = 1e-4
        values.withUnsafeBufferPointer { e in
            let x = e.baseAddress! + row * d
            let xNorm = norms[row]
            for candidate in candidates {
                let r = e.baseAddress! + candidate * d
                var head: Float = 0
                for k in 0..<prefix { head += x[k] * r[k] }
                if head + xNorm * norms[candidate] + slack < threshold { continue }
                var tail: Float = 0
                for k in prefix..<d { tail += x[k] * r[k] }
                let cosine = head + tail
                if cosine >= threshold, cosine > best.0 { best = (cosine, candidate) }
            }
        }
        return best
    }
}
