import Foundation
import PolyphonyCore

/// Novelty of ideas against a reference pool: what the pool (other models, other people)
/// already said in answer to the same prompt.
///
/// For an idea with unit embedding x and the pool's unit embeddings r₁…r_m for its prompt,
/// `novelty = 1 − mean of the k largest x·rⱼ` (k = min(``k``, m)), and the idea is
/// *in the reference* when its single nearest pool idea has cosine ≥ ``threshold``
/// (the near-duplicate cut). See docs/metrics.md for why k = 20.
public struct ReferenceNovelty: Sendable {
    /// The default neighbourhood size.
    public static let defaultK = 20

    /// How many nearest pool ideas are averaged.
    public var k: Int
    /// The near-duplicate cut for ``Result/inReference``.
    public var threshold: Float

    /// One idea's relation to the pool.
    public struct Result: Sendable, Hashable {
        /// 1 − mean cosine similarity to the k nearest pool ideas.
        public var novelty: Double
        /// Whether the nearest pool idea is a near-duplicate.
        public var inReference: Bool
        /// The cosine similarity to the nearest pool idea.
        public var nearestSimilarity: Double
    }

    /// `C[rows × columns] = A[rows × dimension] · B[columns × dimension]ᵀ`, all row-major.
    /// The CLI hands in BLAS's `sgemm` (PolyphonyEmbeddings) when it loads; ``swiftProduct``
    /// otherwise. Both give the same numbers up to Float rounding.
    public typealias MatrixProduct = @Sendable (
        _ a: UnsafePointer<Float>, _ rows: Int, _ b: UnsafePointer<Float>, _ columns: Int, _ dimension: Int,
        _ c: UnsafeMutablePointer<Float>
    ) -> Void

    /// The matrix product used for similarity tiles.
    public var product: MatrixProduct

    public init(
        k: Int = ReferenceNovelty.defaultK, threshold: Float = NearDuplicateClustering.literatureThreshold,
        product: MatrixProduct? = nil
    ) {
        self.k = max(1, k)
        self.threshold = threshold
        self.product = product ?? Self.swiftProduct
    }

    /// Scores each row of `ideas` against every row of `pool`; both unit-normalised, same dimension.
    /// Returns `nil` per idea when the pool is empty. Work is split over cores by blocks of ideas.
    public func score(_ ideas: EmbeddingMatrix, against pool: EmbeddingMatrix) async -> [Result?] {
        guard ideas.rows > 0 else { return [] }
        guard pool.rows > 0, pool.dimension == ideas.dimension else { return Array(repeating: nil, count: ideas.rows) }
        let blockRows = 128
        let product = self.product
        let blocks = (ideas.rows + blockRows - 1) / blockRows
        let k = min(self.k, pool.rows)
        let threshold = self.threshold
        var results = [Result?](repeating: nil, count: ideas.rows)
        await withTaskGroup(of: (Int, [Result]).self) { group in
            var next = 0
            func launch() {
                guard next < blocks else { return }
                let block = next
                next += 1
                group.addTask {
                    let start = block * blockRows
                    let end = min(ideas.rows, start + blockRows)
                    return (start, Self.scoreBlock(ideas, rows: start..<end, pool: pool, k: k, threshold: threshold, product: product))
                }
            }
            for _ in 0..<max(1, ProcessInfo.processInfo.activeProcessorCount) { launch() }
            while let (start, block) = await group.next() {
                for (offset, result) in block.enumerated() { results[start + offset] = result }
                launch()
            }
        }
        return results
    }

    /// The k largest similarities of each idea in `rows`, kept in a small sorted buffer per idea
    /// while the pool streams past in tiles of ``tileColumns`` rows.
    static func scoreBlock(
        _ ideas: EmbeddingMatrix, rows: Range<Int>, pool: EmbeddingMatrix, k: Int, threshold: Float, product: MatrixProduct
    ) -> [Result] {
        let d = ideas.dimension
        let count = rows.count
        // top[i*k ..< (i+1)*k], sorted descending.
        var top = [Float](repeating: -.infinity, count: count * k)
        var tile = [Float](repeating: 0, count: count * tileColumns)
        ideas.values.withUnsafeBufferPointer { x in
            pool.values.withUnsafeBufferPointer { r in
                top.withUnsafeMutableBufferPointer { top in
                    tile.withUnsafeMutableBufferPointer { tile in
                        var j = 0
                        while j < pool.rows {
                            let width = min(tileColumns, pool.rows - j)
                            product(x.baseAddress! + rows.lowerBound * d, count, r.baseAddress! + j * d, width, d, tile.baseAddress!)
                            for row in 0..<count {
                                let kept = top.baseAddress! + row * k
                                let similarities = tile.baseAddress! + row * width
                                var floor = kept[k - 1]
                                for column in 0..<width where similarities[column] > floor {
                                    insert(similarities[column], into: kept, k: k)
                                    floor = kept[k - 1]
                                }
                            }
                            j += width
                        }
                    }
                }
            }
        }
        return (0..<count).map { row in
            var sum: Double = 0
            for index in 0..<k { sum += Double(top[row * k + index]) }
            let nearest = top[row * k]
            return Result(novelty: 1 - sum / Double(k), inReference: nearest >= threshold, nearestSimilarity: Double(nearest))
        }
    }

    /// Pool rows per similarity tile.
    static let tileColumns = 1024

    /// The portable product: every entry a four-accumulator dot product.
    public static let swiftProduct: MatrixProduct = { a, rows, b, columns, dimension, c in
        for i in 0..<rows {
            let x = a + i * dimension
            var j = 0
            if dimension % 8 == 0 {
                while j + 4 <= columns {
                    let r = b + j * dimension
                    let four = VectorKernels.dot4(x, r, r + dimension, r + 2 * dimension, r + 3 * dimension, count: dimension)
                    for lane in 0..<4 { c[i * columns + j + lane] = four[lane] }
                    j += 4
                }
            }
            while j < columns {
                c[i * columns + j] = VectorKernels.dot(x, b + j * dimension, count: dimension)
                j += 1
            }
        }
    }

    @inline(__always)
    private static func insert(_ value: Float, into kept: UnsafeMutablePointer<Float>, k: Int) {
        var position = k - 1
        while position > 0 && kept[position - 1] < value {
            kept[position] = kept[position - 1]
            position -= 1
        }
        kept[position] = value
    }
}
