import Foundation

/// Greedy near-duplicate clustering ("unique ideas"), as used to count non-duplicate ideas by
/// Si et al. 2024 ("Can LLMs Generate Novel Research Ideas?") and Ueda et al. 2025: ideas are
/// visited in order; each joins the most similar existing cluster representative when their
/// cosine similarity is at least the threshold, and otherwise founds a new cluster and becomes
/// its representative. Similarity ties go to the earlier representative.
///
/// The result is exact: every decision uses the full dot product of the two rows. Memory is
/// linear in n: only representatives are kept, never an n×n matrix. Work is pruned with a
/// bound that can only overestimate (see ``Index``), so most pairs are rejected after a few
/// dozen multiplications. Blocks of ideas are compared against earlier representatives in
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
        await cluster(Array(0..<matrix.rows), in: await Index(matrix, threshold: threshold))
    }

    /// Clusters the rows `order` of an indexed matrix, visiting them in that order. The result
    /// numbers them 0..<order.count, as if the matrix were `matrix.subset(order)`; one index
    /// serves every subset (the analyzer's breakdowns).
    func cluster(_ order: [Int], in index: Index) async -> Result {
        let n = order.count
        guard n > 0 else { return Result(assignments: [], representatives: [], similarityToRepresentative: []) }
        let scan = Scan(index: index, threshold: threshold)
        var representatives: [Int] = []
        // Representatives as matrix rows, in founding order, and each one's cluster.
        var representativeRows: [Int] = []
        var clusterOfRow: [Int: Int] = [:]
        var assignments = [Int](repeating: -1, count: n)
        var similarity = [Float](repeating: 1, count: n)
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

        var blockStart = 0
        while blockStart < n {
            let blockEnd = min(n, blockStart + Self.blockSize)
            let known = representativeRows
            // Against representatives founded before this block: independent per row.
            var earlier = [Match](repeating: Match(), count: blockEnd - blockStart)
            if !known.isEmpty {
                // Small work runs inline: a task costs more than a few hundred dot products.
                if (blockEnd - blockStart) * known.count < 65_536 || workers == 1 {
                    earlier = scan.best(rows: order[blockStart..<blockEnd], among: known)
                } else {
                    let chunk = (blockEnd - blockStart + workers - 1) / workers
                    let parts = await withTaskGroup(of: (Int, [Match]).self) { group in
                        for lower in stride(from: blockStart, to: blockEnd, by: chunk) {
                            let rows = order[lower..<min(blockEnd, lower + chunk)]
                            group.addTask { (lower, scan.best(rows: rows, among: known)) }
                        }
                        var parts: [(Int, [Match])] = []
                        for await part in group { parts.append(part) }
                        return parts
                    }
                    for (lower, found) in parts {
                        for (offset, match) in found.enumerated() { earlier[lower - blockStart + offset] = match }
                    }
                }
            }
            // Within the block: sequential, against representatives this block has founded.
            for position in blockStart..<blockEnd {
                var match = earlier[position - blockStart]
                if representativeRows.count > known.count {
                    let local = scan.best(rows: order[position..<(position + 1)], among: representativeRows[known.count...])[0]
                    if local.similarity > match.similarity { match = local }
                }
                if match.representative >= 0, match.similarity >= threshold, let cluster = clusterOfRow[match.representative] {
                    assignments[position] = cluster
                    similarity[position] = match.similarity
                } else {
                    clusterOfRow[order[position]] = representatives.count
                    assignments[position] = representatives.count
                    representatives.append(position)
                    representativeRows.append(order[position])
                }
            }
            blockStart = blockEnd
        }
        return Result(assignments: assignments, representatives: representatives, similarityToRepresentative: similarity)
    }

    /// The best candidate found for a row so far.
    struct Match: Sendable {
        var similarity: Float = -.infinity
        /// The candidate's matrix row, or -1.
        var representative = -1
    }

    /// What the search shares across tasks: an ``Index`` and the threshold a match must reach.
    struct Scan: Sendable {
        let index: Index
        /// Candidates below this are never matches; `-infinity` searches for the nearest candidate.
        let threshold: Float

        /// Candidates scanned per tile: 256 × 32–128 floats stay in L2 while every row passes over them.
        private static let tile = 256

        /// For each row, the most similar candidate at or above the threshold; ties go to the
        /// earlier candidate. Similarities are full dot products of the rows.
        func best<R: RandomAccessCollection<Int>, C: RandomAccessCollection<Int>>(rows: R, among candidates: C) -> [Match] {
            var found = [Match](repeating: Match(), count: rows.count)
            let slack = Index.slack
            let d = index.dimension, p = index.prefix
            index.values.withUnsafeBufferPointer { e in
                index.heads.withUnsafeBufferPointer { heads in
                    index.restNorms.withUnsafeBufferPointer { norms in
                        var tileStart = candidates.startIndex
                        while tileStart < candidates.endIndex {
                            let tileEnd = candidates.index(tileStart, offsetBy: Self.tile, limitedBy: candidates.endIndex) ?? candidates.endIndex
                            let tile = candidates[tileStart..<tileEnd]
                            for (offset, row) in rows.enumerated() {
                                let x = heads.baseAddress! + row * p
                                let xNorm = norms[row]
                                var best = found[offset]
                                // The bound overestimates the cosine, so a candidate it rejects can be
                                // neither a match nor better than the best so far.
                                func consider(_ candidate: Int, head: Float) {
                                    if head + xNorm * norms[candidate] + slack < max(threshold, best.similarity) { return }
                                    let cosine = VectorKernels.dot(e.baseAddress! + row * d, e.baseAddress! + candidate * d, count: d)
                                    if cosine >= threshold, cosine > best.similarity {
                                        best = Match(similarity: cosine, representative: candidate)
                                    }
                                }
                                var index = tile.startIndex
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
