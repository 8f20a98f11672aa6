import Foundation

/// The arithmetic of a BERT layer on row-major `Float` matrices. Matrix products go to BLAS;
/// the rest are single passes over eight lanes at a time.
enum DenseKernels {
    /// `output[rows × outputs] = input[rows × inputs] · weightᵀ + bias`, with `weight` stored
    /// `[outputs × inputs]` as PyTorch's `Linear` keeps it.
    static func linear(
        _ blas: BLASLibrary, _ input: UnsafePointer<Float>, rows: Int, inputs: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, outputs: Int,
        into output: UnsafeMutablePointer<Float>
    ) {
        for row in 0..<rows {
            (output + row * outputs).update(from: bias, count: outputs)
        }
        blas.sgemm(
            BLASLibrary.rowMajor, BLASLibrary.noTranspose, BLASLibrary.transpose, Int32(rows), Int32(outputs), Int32(inputs),
            1, input, Int32(inputs), weight, Int32(inputs), 1, output, Int32(outputs)
        )
    }

    /// `C[m × n] = alpha · A[m × k] · op(B)` on strided sub-matrices, for attention heads that
    /// live side by side inside one wide matrix.
    static func product(
        _ blas: BLASLibrary, m: Int, n: Int, k: Int, alpha: Float,
        _ a: UnsafePointer<Float>, lda: Int,
        _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        into c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        blas.sgemm(
            BLASLibrary.rowMajor, BLASLibrary.noTranspose, transposeB ? BLASLibrary.transpose : BLASLibrary.noTranspose,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(lda), b, Int32(ldb), 0, c, Int32(ldc)
        )
    }

    /// `x = LayerNorm(x + residual)` row by row, with learned scale `gamma` and shift `beta`.
    static func addLayerNorm(
        _ x: UnsafeMutablePointer<Float>, adding residual: UnsafePointer<Float>?, rows: Int, columns: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
    ) {
        let scale = 1 / Float(columns)
        for row in 0..<rows {
            let values = x + row * columns
            if let residual {
                let other = residual + row * columns
                for index in 0..<columns { values[index] += other[index] }
            }
            let mean = VectorMath.sum(values, count: columns) * scale
            for index in 0..<columns { values[index] -= mean }
            var squares: (Float, Float, Float, Float) = (0, 0, 0, 0)
            var index = 0
            while index + 4 <= columns {
                squares.0 += values[index] * values[index]
                squares.1 += values[index + 1] * values[index + 1]
                squares.2 += values[index + 2] * values[index + 2]
                squares.3 += values[index + 3] * values[index + 3]
                index += 4
            }
            var variance = (squares.0 + squares.1) + (squares.2 + squares.3)
            while index < columns {
                variance += values[index] * values[index]
                index += 1
            }
            let inverse = 1 / (variance * scale + epsilon).squareRoot()
            for index in 0..<columns {
                values[index] = values[index] * inverse * gamma[index] + beta[index]
            }
        }
    }

    /// The exact (erf) GELU in place: `x · Φ(x)`, as BERT's `hidden_act: gelu` defines it.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let invertedRootTwo = Float(0.5).squareRoot()
        for index in 0..<count {
            let value = x[index]
            x[index] = 0.5 * value * (1 + VectorMath.erf(value * invertedRootTwo))
        }
    }

    /// Softmax of each row of a `rows × columns` matrix in place.
    static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        for row in 0..<rows {
            let values = x + row * columns
            var largest = -Float.infinity
            for index in 0..<columns { largest = max(largest, values[index]) }
            for index in 0..<columns { values[index] = VectorMath.exp(values[index] - largest) }
            let inverse = 1 / VectorMath.sum(values, count: columns)
            for index in 0..<columns { values[index] *= inverse }
        }
    }

    /// The mean of `rows` consecutive rows, scaled to unit length (zero stays zero).
    ///
    /// Only the sequence's real tokens are passed in, so padding can never leak into the mean.
    static func meanPoolNormalized(_ x: UnsafePointer<Float>, rows: Int, columns: Int) -> [Float] {
        var pooled = [Float](repeating: 0, count: columns)
        guard rows > 0 else { return pooled }
        pooled.withUnsafeMutableBufferPointer { out in
            for row in 0..<rows {
                let values = x + row * columns
                for index in 0..<columns { out[index] += values[index] }
            }
            var squares: Float = 0
            for index in 0..<columns {
                out[index] /= Float(rows)
                squares += out[index] * out[index]
            }
            guard squares > 0 else { return }
            let inverse = 1 / squares.squareRoot()
            for index in 0..<columns { out[index] *= inverse }
        }
        return pooled
    }
}
