import CPolyphonyKernels
import Foundation

extension NearDuplicateClustering {
    /// Every pair of rows whose cosine similarity reaches a threshold, found once for a whole
    /// matrix so that the clustering of any subset follows without another search.
    ///
    /// Greedy clustering visits rows in order and compares each with the representatives so
    /// far; a representative whose similarity is below the threshold can never be chosen. So
    /// the clustering of rows S (visited in ascending order) at a threshold t ≥ ``threshold``
    /// depends only on the pairs inside S with similarity ≥ t, and this list holds every such
    /// pair with the same full dot product the search computes. The result is identical to
    /// clustering `matrix.subset(S)`, bit for bit (tests compare them).
    ///
    /// Memory is one `Int32` and one `Float` per pair. Pools whose ideas are mostly copies of a
    /// few ideas have quadratically many pairs; ``find(in:threshold:limit:)`` gives up past a
    /// limit, and the caller clusters each subset with the index instead (which is fast there,
    /// because such pools have few representatives).
    struct Neighbours: Sendable {
        /// The lowest similarity listed.
        let threshold: Float
        /// Row x's earlier neighbours are `rows[offsets[x]..<offsets[x + 1]]`, in ascending order.
        let offsets: [Int]
        let rows: [Int32]
        let similarities: [Float]

        /// Rows joined against earlier rows in one task.
        private static let blockSize = 256
        /// Candidates scanned per tile, as in ``Scan`` (a multiple of 32, as the kernel needs).
        private static let tile = 256
        /// Query rows per kernel call.
        private static let queries = 16

        /// Every pair y < x of the index's rows with cosine ≥ `threshold`, or `nil` when there
        /// are more than `limit` pairs (or the rows do not fit `Int32`).
        /// - Parameter kernel: The bound kernel (`polyphony_bound_pass`): −1 the fastest this CPU
        ///   runs, 0 scalar, 1 AVX2. Every kernel lists the same pairs; tests compare them.
        static func find(in index: Index, threshold: Float, limit: Int, kernel: Int32 = -1) async -> Neighbours? {
            let n = index.values.count / max(1, index.dimension)
            guard n < Int(Int32.max) - 64 else { return nil }
            let bounds = Bounds(index)
            let blocks = (n + blockSize - 1) / blockSize
            let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, blocks))
            // Block b costs about b: dealing blocks round-robin balances the triangle, and a
            // worker's share is fixed by its number, so results never depend on scheduling.
            // A worker past the limit alone stops early; the total is checked below.
            let parts = await withTaskGroup(of: (Int, [(lists: [[Int32]], similarities: [[Float]])]?).self) { group in
                for worker in 0..<workers {
                    group.addTask {
                        var found: [(lists: [[Int32]], similarities: [[Float]])] = []
                        var count = 0
                        for block in stride(from: worker, to: blocks, by: workers) {
                            let part = join(
                                index, bounds, rows: (block * blockSize)..<min(n, (block + 1) * blockSize), threshold: threshold, kernel: kernel)
                            count += part.lists.reduce(0) { $0 + $1.count }
                            if count > limit { return (worker, nil) }
                            found.append(part)
                        }
                        return (worker, found)
                    }
                }
                var parts = [[(lists: [[Int32]], similarities: [[Float]])]?](repeating: nil, count: workers)
                for await (worker, part) in group { parts[worker] = part }
                return parts
            }
            var offsets = [Int](repeating: 0, count: n + 1)
            var rows: [Int32] = [], similarities: [Float] = []
            var total = 0
            for part in parts {
                guard let part else { return nil }
                total += part.reduce(0) { $0 + $1.lists.reduce(0) { $0 + $1.count } }
            }
            guard total <= limit else { return nil }
            rows.reserveCapacity(total)
            similarities.reserveCapacity(total)
            for block in 0..<blocks {
                guard let part = parts[block % workers]?[block / workers] else { return nil }
                for (offset, list) in part.lists.enumerated() {
                    rows.append(contentsOf: list)
                    similarities.append(contentsOf: part.similarities[offset])
                    offsets[block * blockSize + offset + 1] = rows.count
                }
            }
            return Neighbours(threshold: threshold, offsets: offsets, rows: rows, similarities: similarities)
        }

        /// The index's heads packed for the bound kernel: panels of 16 rows, coordinate-major, so
        /// one vector load holds a coordinate of 16 candidates; rest norms padded to match.
        struct Bounds: Sendable {
            let panels: [Float]
            let norms: [Float]

            init(_ index: Index) {
                let n = index.restNorms.count, p = index.prefix
                let padded = Int(polyphony_bound_padded_rows(Int32(n)))
                var panels = [Float](repeating: 0, count: padded * p)
                index.heads.withUnsafeBufferPointer { heads in
                    panels.withUnsafeMutableBufferPointer { polyphony_bound_pack_panels(heads.baseAddress, Int32(n), Int32(p), $0.baseAddress) }
                }
                self.panels = panels
                norms = index.restNorms + [Float](repeating: 0, count: padded - n)
            }
        }

        /// For each row x of `block`, the rows y < x with cosine ≥ `threshold`, ascending.
        ///
        /// The C kernel lists the pairs whose bound head(x)·head(y) + |rest(x)|·|rest(y)| reaches
        /// `threshold − slack` (its FMA order differs from ``VectorKernels`` by far less than the
        /// slack, see ``Index``); every listed pair is then decided by the same full dot product as
        /// ever, so the pairs and similarities do not depend on the kernel.
        private static func join(
            _ index: Index, _ bounds: Bounds, rows block: Range<Int>, threshold: Float, kernel: Int32
        ) -> (lists: [[Int32]], similarities: [[Float]]) {
            var lists = [[Int32]](repeating: [], count: block.count)
            var found = [[Float]](repeating: [], count: block.count)
            let d = index.dimension, p = index.prefix
            let level = threshold - Index.slack
            var limits = [Int32](repeating: 0, count: queries)
            var outQuery = [Int32](repeating: 0, count: queries * tile)
            var outCandidate = [Int32](repeating: 0, count: queries * tile)
            index.values.withUnsafeBufferPointer { e in
                index.heads.withUnsafeBufferPointer { heads in
                    bounds.panels.withUnsafeBufferPointer { panels in
                        bounds.norms.withUnsafeBufferPointer { norms in
                            var tileStart = 0
                            while tileStart < block.upperBound - 1 {
                                let tileEnd = min(tileStart + tile, block.upperBound - 1)
                                var first = Swift.max(block.lowerBound, tileStart + 1)
                                while first < block.upperBound {
                                    let count = min(queries, block.upperBound - first)
                                    for q in 0..<count { limits[q] = Int32(min(tileEnd, first + q)) }
                                    let pairs = polyphony_bound_pass(
                                        heads.baseAddress! + first * p, norms.baseAddress! + first, limits, Int32(count),
                                        panels.baseAddress, norms.baseAddress, Int32(tileStart), Int32(p), level, kernel,
                                        &outQuery, &outCandidate)
                                    for k in 0..<pairs {
                                        let x = first + Int(outQuery[k]), y = Int(outCandidate[k])
                                        let cosine = VectorKernels.dot(e.baseAddress! + x * d, e.baseAddress! + y * d, count: d)
                                        if cosine >= threshold {
                                            lists[x - block.lowerBound].append(Int32(y))
                                            found[x - block.lowerBound].append(cosine)
                                        }
                                    }
                                    first += count
                                }
                                tileStart = tileEnd
                            }
                        }
                    }
                }
            }
            return (lists, found)
        }
    }

    /// Clusters the rows `order` (ascending) from their neighbour pairs: the same result as
    /// ``cluster(_:in:)``, without a search. Needs `threshold >= neighbours.threshold`.
    func cluster(_ order: [Int], neighbours: Neighbours) -> Result {
        precondition(threshold >= neighbours.threshold, "neighbour pairs were listed above a higher threshold")
        let n = order.count
        // The cluster each representative founded, by matrix row: a dense table for large
        // subsets, a dictionary for the many small ones (a participant's few ideas).
        let rowCount = neighbours.offsets.count - 1
        let dense = n * 16 >= rowCount
        var table = [Int32](repeating: -1, count: dense ? rowCount : 0)
        var sparse: [Int32: Int32] = dense ? [:] : Dictionary(minimumCapacity: n)
        var representatives: [Int] = []
        var assignments = [Int](repeating: -1, count: n)
        var similarity = [Float](repeating: 1, count: n)
        for (position, row) in order.enumerated() {
            var best: Float = -.infinity, chosen = -1
            for k in neighbours.offsets[row]..<neighbours.offsets[row + 1] {
                let cosine = neighbours.similarities[k]
                guard cosine >= threshold, cosine > best else { continue }
                let y = Int(neighbours.rows[k])
                let cluster = dense ? table[y] : sparse[Int32(y)] ?? -1
                guard cluster >= 0 else { continue }
                best = cosine
                chosen = Int(cluster)
            }
            if chosen >= 0 {
                assignments[position] = chosen
                similarity[position] = best
            } else {
                if dense { table[row] = Int32(representatives.count) } else { sparse[Int32(row)] = Int32(representatives.count) }
                assignments[position] = representatives.count
                representatives.append(position)
            }
        }
        return Result(assignments: assignments, representatives: representatives, similarityToRepresentative: similarity)
    }
}
