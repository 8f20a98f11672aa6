import Foundation

/// The system BLAS's matrix product, offered to other modules without exposing the library.
package enum BLASProduct {
    /// `C[rows × columns] = A[rows × dimension] · B[columns × dimension]ᵀ` (row-major) on the
    /// system BLAS, or `nil` when no BLAS library loads. The signature matches
    /// `ReferenceNovelty.MatrixProduct` in PolyphonyScoring, which this module does not import.
    package static func transposedProduct() -> (@Sendable (
        UnsafePointer<Float>, Int, UnsafePointer<Float>, Int, Int, UnsafeMutablePointer<Float>
    ) -> Void)? {
        guard case .success(let blas) = BLASLibrary.shared else { return nil }
        return { a, rows, b, columns, dimension, c in
            blas.sgemm(
                BLASLibrary.rowMajor, BLASLibrary.noTranspose, BLASLibrary.transpose,
                Int32(rows), Int32(columns), Int32(dimension),
                1, a, Int32(dimension), b, Int32(dimension), 0, c, Int32(columns))
        }
    }
}
