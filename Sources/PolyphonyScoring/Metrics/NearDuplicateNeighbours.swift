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
        /// Candidates scanned per tile, as in ``Scan``.
        private static let tile = 256

        /// Every pair y < x of the index's rows with cosine ≥ `threshold`, or `nil` when there
        /// are more than `limit` pairs (or the rows do not fit `Int32`).
        static func find(in index: Index, threshold: Float, limit: Int) async -> Neighbours? {
            let n = index.values.count / max(1, index.dimension)
            guard n < Int(Int32.max) else { return nil }
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
                            let part = join(index, rows: (block * blockSize)..<min(n, (block + 1) * blockSize), threshold: threshold)
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

        /// For each row x of `block`, the rows y < x with cosine ≥ `threshold`, ascending.
        private static func join(_ index: Index, rows block: Range<Int>, threshold: Float) -> (lists: [[Int32]], similarities: [[Float]]) {
            var lists = [[Int32]](repeating: [], count: block.count)
            var found = [[Float]](repeating: [], count: block.count)
            let slack = Index.slack
            let d = index.dimension, p = index.prefix
            index.values.withUnsafeBufferPointer { e in
                index.heads.withUnsafeBufferPointer { heads in
                    index.restNorms.withUnsafeBufferPointer { norms in
                        var tileStart = 0
                        while tileStart < block.upperBound - 1 {
                            let tileEnd = min(tileStart + tile, block.upperBound - 1)
                            for x in Swift.max(block.lowerBound, tileStart + 1)..<block.upperBound {
                                let head = heads.baseAddress! + x * p
                                let xNorm = norms[x]
                                let end = min(tileEnd, x)
                                // The bound overestimates the cosine (see ``Index``), so a pair it
                                // rejects is below the threshold.
                                @inline(__always) func consider(_ y: Int, head bound: Float) {
                                    if bound + xNorm * norms[y] + slack < threshold { return }
                                    let cosine = VectorKernels.dot(e.baseAddress! + x * d, e.baseAddress! + y * d, count: d)
                                    if cosine >= threshold {
                                        lists[x - block.lowerBound].append(Int32(y))
                                        found[x - block.lowerBound].append(cosine)
                                    }
                                }
                                var y = tileStart
                                let level = SIMD4<Float>(repeating: threshold)
                                while y + 4 <= end {
                                    let h = VectorKernels.dot4(
                                        head, heads.baseAddress! + y * p, heads.baseAddress! + (y + 1) * p,
                                        heads.baseAddress! + (y + 2) * p, heads.baseAddress! + (y + 3) * p, count: p)
                                    // Four bounds at once; most quads have none at the threshold.
                                    let restNorms = UnsafeRawPointer(norms.baseAddress! + y).loadUnaligned(as: SIMD4<Float>.self)
                                    if any(h + xNorm * restNorms + slack .>= level) {
                                        consider(y, head: h[0])
                                        consider(y + 1, head: h[1])
                                        consider(y + 2, head: h[2])
                                        consider(y + 3, head: h[3])
                                    }
                                    y += 4
                                }
                                while y < end {
                                    consider(y, head: VectorKernels.dot(head, heads.baseAddress! + y * p, count: p))
                                    y += 1
                                }
                            }
                            tileStart = tileEnd
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
