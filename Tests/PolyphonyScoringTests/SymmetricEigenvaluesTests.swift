import Foundation
import PolyphonyCore
import Testing
@testable import PolyphonyScoring

struct SymmetricEigenvaluesTests {
    @Test func twoByTwoMatchesTheClosedForm() throws {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        let values = try SymmetricEigenvalues.compute([2, 1, 1, 2], size: 2)
        #expect(abs(values[0] - 1) < 1e-12)
        #expect(abs(values[1] - 3) < 1e-12)
    }

    @Test func knownTridiagonalSpectrum() throws {
        // The n×n matrix with 2 on the diagonal and −1 beside it has eigenvalues 2 − 2cos(kπ/(n+1)).
        let n = 12
        var matrix = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            matrix[i * n + i] = 2
            if i > 0 { matrix[i * n + i - 1] = -1; matrix[(i - 1) * n + i] = -1 }
        }
        let values = try SymmetricEigenvalues.compute(matrix, size: n)
        let expected = (1...n).map { 2 - 2 * cos(Double($0) * .pi / Double(n + 1)) }.sorted()
        for (value, wanted) in zip(values, expected) { #expect(abs(value - wanted) < 1e-10) }
    }

    @Test(arguments: [3, 17, 64])
    func randomSymmetricMatrixKeepsTraceAndFrobeniusNorm(size: Int) throws {
        var generator = SplitMix64(seed: UInt64(size))
        var matrix = [Double](repeating: 0, count: size * size)
        for i in 0..<size {
            for j in 0...i {
                let value = Double(generator.next() % 2000) / 1000 - 1
                matrix[i * size + j] = value
                matrix[j * size + i] = value
            }
        }
        let values = try SymmetricEigenvalues.compute(matrix, size: size)
        let trace = (0..<size).reduce(0.0) { $0 + matrix[$1 * size + $1] }
        let frobenius = matrix.reduce(0.0) { $0 + $1 * $1 }
        #expect(abs(values.reduce(0, +) - trace) < 1e-9)
        #expect(abs(values.reduce(0) { $0 + $1 * $1 } - frobenius) < 1e-8)
    }

    @Test func wrongStorageSizeIsAnError() {
        #expect(throws: PolyphonyError.invalidInput) { try SymmetricEigenvalues.compute([1, 2, 3], size: 2) }
    }
}
