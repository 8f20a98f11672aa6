import PolyphonyCore

/// Idea embeddings stored flat, row-major and contiguous: row `i` is
/// `values[i * dimension ..< (i + 1) * dimension]`. Metrics read it with unsafe buffer
/// pointers; there are no per-row arrays in hot loops.
public struct EmbeddingMatrix: Sendable, Hashable {
    public let rows: Int
    public let dimension: Int
    public private(set) var values: [Float]

    /// Wraps flat row-major storage.
    /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` when `values.count != rows * dimension`.
    public init(rows: Int, dimension: Int, values: [Float]) throws {
        guard rows >= 0, dimension > 0, values.count == rows * dimension else {
            throw PolyphonyError.invalidInput("embedding matrix of \(rows)×\(dimension) cannot hold \(values.count) values")
        }
        self.rows = rows
        self.dimension = dimension
        self.values = values
    }

    /// Packs per-text vectors, as an ``Embedder`` returns them, into one matrix.
    /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` when vectors differ in length,
    ///   are empty, or hold NaN or infinity.
    public init(_ vectors: [[Float]], dimension fallback: Int = 1) throws {
        let dimension = vectors.first?.count ?? fallback
        guard dimension > 0 else { throw PolyphonyError.invalidInput("the embedder returned empty vectors") }
        var values: [Float] = []
        values.reserveCapacity(vectors.count * dimension)
        for (index, vector) in vectors.enumerated() {
            guard vector.count == dimension else {
                throw PolyphonyError.invalidInput("the embedder returned a \(vector.count)-d vector for text \(index + 1) after \(dimension)-d ones")
            }
            guard vector.allSatisfy(\.isFinite) else {
                throw PolyphonyError.invalidInput("the embedder returned a non-finite value for text \(index + 1)")
            }
            values.append(contentsOf: vector)
        }
        try self.init(rows: vectors.count, dimension: dimension, values: values)
    }

    /// The same rows scaled to unit length; all-zero rows (an empty text) stay zero.
    public func normalized() -> EmbeddingMatrix {
        var copy = self
        let d = dimension
        copy.values.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<rows {
                var norm: Float = 0
                for k in (row * d)..<((row + 1) * d) { norm += buffer[k] * buffer[k] }
                guard norm > 0 else { continue }
                let scale = 1 / norm.squareRoot()
                for k in (row * d)..<((row + 1) * d) { buffer[k] *= scale }
            }
        }
        return copy
    }

    /// The rows at `indices`, in that order.
    public func subset(_ indices: [Int]) -> EmbeddingMatrix {
        var values: [Float] = []
        values.reserveCapacity(indices.count * dimension)
        self.values.withUnsafeBufferPointer { buffer in
            for row in indices {
                values.append(contentsOf: buffer[(row * dimension)..<((row + 1) * dimension)])
            }
        }
        // The count matches by construction.
        return EmbeddingMatrix(unchecked: indices.count, dimension, values)
    }

    /// Row `index` as an array (for reports and tests, not hot loops).
    public func row(_ index: Int) -> [Float] {
        Array(values[(index * dimension)..<((index + 1) * dimension)])
    }

    /// The cosine of rows `a` and `b` of unit-normalised matrices (their dot product).
    public func dot(_ a: Int, _ b: Int) -> Float {
        values.withUnsafeBufferPointer { buffer in
            VectorKernels.dot(buffer.baseAddress! + a * dimension, buffer.baseAddress! + b * dimension, count: dimension)
        }
    }

    init(unchecked rows: Int, _ dimension: Int, _ values: [Float]) {
        self.rows = rows
        self.dimension = dimension
        self.values = values
    }
}
