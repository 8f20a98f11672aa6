import Foundation
import PolyphonyCore

/// Eigenvalues of a real symmetric matrix: Householder reduction to tridiagonal form, then
/// the implicit QL algorithm with Wilkinson-style shifts (Golub & Van Loan, *Matrix
/// Computations*, §8.3; Press et al., *Numerical Recipes*, §11.2–11.3).
///
/// Only eigenvalues are computed, which is all the Vendi score needs; that keeps the cost
/// at about (4/3)·m³ flops for an m×m matrix.
package enum SymmetricEigenvalues {
    /// The eigenvalues of the symmetric `size`×`size` matrix stored row-major in `matrix`,
    /// in ascending order. Only the lower triangle is read.
    /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` when the storage size is wrong,
    ///   a value is not finite, or QL fails to converge (which finite input does not cause).
    package static func compute(_ matrix: [Double], size: Int) throws -> [Double] {
        guard size >= 0, matrix.count == size * size else {
            throw PolyphonyError.invalidInput("a \(size)×\(size) matrix needs \(size * size) values, got \(matrix.count)")
        }
        guard matrix.allSatisfy(\.isFinite) else {
            throw PolyphonyError.invalidInput("the matrix holds NaN or infinity")
        }
        if size == 0 { return [] }
        var a = matrix
        var diagonal = [Double](repeating: 0, count: size)
        var offDiagonal = [Double](repeating: 0, count: size)
        tridiagonalize(&a, size: size, diagonal: &diagonal, offDiagonal: &offDiagonal)
        try implicitQL(diagonal: &diagonal, offDiagonal: &offDiagonal)
        return diagonal.sorted()
    }

    /// Householder reduction of the lower triangle. Afterwards `diagonal[i]` is T[i][i] and
    /// `offDiagonal[i]` is T[i+1][i]; the last off-diagonal entry is 0.
    static func tridiagonalize(_ a: inout [Double], size n: Int, diagonal: inout [Double], offDiagonal: inout [Double]) {
        var v = [Double](repeating: 0, count: n)
        var p = [Double](repeating: 0, count: n)
        a.withUnsafeMutableBufferPointer { a in
            v.withUnsafeMutableBufferPointer { v in
                p.withUnsafeMutableBufferPointer { p in
                    // Symmetrise from the lower triangle so the reflections can read whole rows.
                    for i in 0..<n {
                        for j in 0..<i { a[j * n + i] = a[i * n + j] }
                    }
                    for k in 0..<max(0, n - 2) {
                        let start = k + 1
                        // Scale the column first so its norm neither overflows nor underflows.
                        var scale = 0.0
                        for i in start..<n { scale += abs(a[i * n + k]) }
                        if scale == 0 {
                            diagonal[k] = a[k * n + k]
                            offDiagonal[k] = 0
                            continue
                        }
                        var sigma = 0.0
                        for i in start..<n {
                            v[i] = a[i * n + k] / scale
                            sigma += v[i] * v[i]
                        }
                        let norm = sigma.squareRoot()
                        let alpha = v[start] > 0 ? -norm : norm
                        // v = x − alpha·e₁; H = I − β v vᵀ with β = 2 / vᵀv.
                        let vtv = sigma - 2 * alpha * v[start] + alpha * alpha
                        v[start] -= alpha
                        let beta = 2 / vtv
                        // p = β A v on the trailing block.
                        var vp = 0.0
                        for i in start..<n {
                            let sum = VectorKernels.dot(a.baseAddress! + i * n + start, v.baseAddress! + start, count: n - start)
                            p[i] = beta * sum
                            vp += v[i] * p[i]
                        }
                        // q = p − (β vᵀp / 2) v, then A ← A − v qᵀ − q vᵀ.
                        let half = beta * vp / 2
                        for i in start..<n { p[i] -= half * v[i] }
                        for i in start..<n {
                            let vi = v[i], qi = p[i]
                            let row = i * n
                            for j in start..<n { a[row + j] -= vi * p[j] + qi * v[j] }
                        }
                        diagonal[k] = a[k * n + k]
                        offDiagonal[k] = alpha * scale
                    }
                    if n >= 2 {
                        diagonal[n - 2] = a[(n - 2) * n + (n - 2)]
                        offDiagonal[n - 2] = a[(n - 1) * n + (n - 2)]
                    }
                    diagonal[n - 1] = a[(n - 1) * n + (n - 1)]
                    offDiagonal[n - 1] = 0
                }
            }
        }
    }

    /// Diagonalises a symmetric tridiagonal matrix in place by implicit QL steps.
    static func implicitQL(diagonal d: inout [Double], offDiagonal e: inout [Double]) throws {
        let n = d.count
        // Off-diagonal entries this small against the whole matrix are zero for every purpose;
        // without this floor, clusters of eigenvalues near zero (rank-deficient Gram
        // matrices) never pass the purely relative test.
        var scale = 0.0
        for i in 0..<n { scale = max(scale, abs(d[i]) + abs(e[i])) }
        let floor = Double.ulpOfOne * scale
        for l in 0..<n {
            var iterations = 0
            while true {
                var m = l
                while m < n - 1 {
                    let magnitude = abs(d[m]) + abs(d[m + 1])
                    if abs(e[m]) <= Double.ulpOfOne * magnitude || abs(e[m]) <= floor { break }
                    m += 1
                }
                if m == l { break }
                iterations += 1
                guard iterations <= 64 else {
                    throw PolyphonyError.invalidInput("eigenvalue iteration did not converge")
                }
                var g = (d[l + 1] - d[l]) / (2 * e[l])
                var r = hypot(g, 1)
                g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r))
                var s = 1.0, c = 1.0, p = 0.0
                var i = m - 1
                var deflated = false
                while i >= l {
                    let f = s * e[i]
                    let b = c * e[i]
                    r = hypot(f, g)
                    e[i + 1] = r
                    if r == 0 {
                        // Underflow: the matrix split; restart with the smaller block.
                        d[i + 1] -= p
                        e[m] = 0
                        deflated = true
                        break
                    }
                    s = f / r
                    c = g / r
                    g = d[i + 1] - p
                    r = (d[i] - g) * s + 2 * c * b
                    p = s * r
                    d[i + 1] = g + p
                    g = c * r - b
                    i -= 1
                }
                if deflated { continue }
                d[l] -= p
                e[l] = g
                e[m] = 0
            }
        }
    }
}
