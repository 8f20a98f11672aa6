import COpenBLAS
import Foundation

/// The arithmetic of a BERT layer on row-major `Float` matrices. Matrix products go to BLAS;
/// the rest are single passes written so the compiler can vectorise them.
enum DenseKernels {
    /// `output[rows × outputs] = input[rows × inputs] · weightᵀ + bias`, with `weight` stored
    /// `[outputs × inputs]` as PyTorch's `Linear` keeps it.
    static func linear(
        _ input: UnsafePointer<Float>, rows: Int, inputs: Int,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, outputs: Int,
        into output: UnsafeMutablePointer<Float>
    ) {
        for row in 0..<rows {
            (output + row * outputs).update(from: bias, count: outputs)
        }
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inputs),
            1, input, Int32(inputs), weight, Int32(inputs), 1, output, Int32(outputs)
        )
    }

    /// `C[m × n] = alpha · A[m × k] · op(B)` on strided sub-matrices, for attention heads that
    /// live side by side inside one wide matrix.
    static func product(
        m: Int, n: Int, k: Int, alpha: Float,
        _ a: UnsafePointer<Float>, lda: Int,
        _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        into c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k),
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
            var sum: Float = 0
            for index in 0..<columns { sum += values[index] }
            let mean = sum * scale
            var squares: Float = 0
            for index in 0..<columns {
                let centred = values[index] - mean
                squares += centred * centred
            }
            let inverse = 1 / (squares * scale + epsilon).squareRoot()
            for index in 0..<columns {
                values[index] = (values[index] - mean) * inverse * gamma[index] + beta[index]
            }
        }
    }

    /// The exact (erf) GELU in place: `x · Φ(x)`, as BERT's `hidden_act: gelu` defines it.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for index in 0..<count {
            let value = x[index]
            x[index] = 0.5 * value * (1 + erff(value * Float(0.5).squareRoot()))
        }
    }

    /// Softmax of each row of a `rows × columns` matrix in place.
    static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        for row in 0..<rows {
            let values = x + row * columns
            var largest = -Float.infinity
            for index in 0..<columns { largest = max(largest, values[index]) }
            var sum: Float = 0
            for index in 0..<columns {
                let exponential = expf(values[index] - largest)
                values[index] = exponential
                sum += exponential
            }
            let inverse = 1 / sum
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
