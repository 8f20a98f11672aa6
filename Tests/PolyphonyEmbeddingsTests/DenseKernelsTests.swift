import Foundation
import Testing
@testable import PolyphonyEmbeddings

/// The encoder's arithmetic on matrices small enough to work out by hand.
@Suite struct DenseKernelsTests {
    static func close(_ a: [Float], _ b: [Float], tolerance: Float = 1e-5) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
    }

    @Test func meanPoolingAveragesOnlyTheRowsItIsGivenThenNormalises() {
        // Two real token rows followed by a padding row of huge values that must not count.
        let hidden: [Float] = [1, 2, 2, 3, 2, 4, 1000, -1000, 1000]
        let pooled = hidden.withUnsafeBufferPointer { DenseKernels.meanPoolNormalized($0.baseAddress!, rows: 2, columns: 3) }
        // Mean (2, 2, 3) has length √17.
        let length = Float(17).squareRoot()
        #expect(Self.close(pooled, [2 / length, 2 / length, 3 / length]))
    }

    @Test func meanPoolingOfZeroRowsOrAZeroMeanIsTheZeroVector() {
        let hidden: [Float] = [1, -1, -1, 1]
        let pooled = hidden.withUnsafeBufferPointer { DenseKernels.meanPoolNormalized($0.baseAddress!, rows: 2, columns: 2) }
        #expect(pooled == [0, 0])
        let empty = hidden.withUnsafeBufferPointer { DenseKernels.meanPoolNormalized($0.baseAddress!, rows: 0, columns: 2) }
        #expect(empty == [0, 0])
    }

    @Test func linearMultipliesByTheTransposedWeightAndAddsTheBias() throws {
        let blas = try BLASLibrary.shared.get()
        // x = [[1, 2], [3, 4]]; W (2 outputs × 2 inputs) = [[1, 0], [1, 1]]; b = [10, 20].
        let x: [Float] = [1, 2, 3, 4], weight: [Float] = [1, 0, 1, 1], bias: [Float] = [10, 20]
        var out = [Float](repeating: -1, count: 4)
        out.withUnsafeMutableBufferPointer { output in
            DenseKernels.linear(blas, x, rows: 2, inputs: 2, weight: weight, bias: bias, outputs: 2, into: output.baseAddress!)
        }
        #expect(out == [11, 23, 13, 27])
    }

    @Test func layerNormCentresAndScalesEachRowAfterAddingTheResidual() {
        var x: [Float] = [1, 2, 3, 10, 10, 10]
        let residual: [Float] = [0, 0, 0, -10, -9, -8]
        let gamma: [Float] = [1, 1, 2], beta: [Float] = [0, 0, 1]
        x.withUnsafeMutableBufferPointer { values in
            DenseKernels.addLayerNorm(values.baseAddress!, adding: residual, rows: 2, columns: 3, gamma: gamma, beta: beta, epsilon: 0)
        }
        // Both rows become (1, 2, 3) − 2 = (−1, 0, 1) over a standard deviation of √(2/3).
        let inverse = 1 / Float(2.0 / 3.0).squareRoot()
        let row = [-inverse, 0, 2 * inverse + 1]
        #expect(Self.close(x, row + row))
    }

    @Test func geluUsesTheErfForm() {
        // Φ(1) = 0.8413447, Φ(−1) = 0.1586553; the tanh approximation would give 0.841192 at 1.
        var x: [Float] = [0, 1, -1, 3]
        x.withUnsafeMutableBufferPointer { DenseKernels.gelu($0.baseAddress!, count: 4) }
        #expect(Self.close(x, [0, 0.8413447, -0.1586553, 2.9959502], tolerance: 1e-6))
    }

    @Test func fastExpAndErfAgreeWithTheCLibraryAcrossTheirRange() {
        var worstExp: Double = 0, worstErf: Double = 0
        for step in 0..<4000 {
            let x = Float(step - 2000) / 25  // −80 … 80 for exp
            worstExp = max(worstExp, abs(Double(VectorMath.exp(x)) / Foundation.exp(Double(x)) - 1))
            let y = Float(step - 2000) / 400  // −5 … 5 for erf
            worstErf = max(worstErf, abs(Double(VectorMath.erf(y)) - Foundation.erf(Double(y))))
        }
        #expect(worstExp < 5e-7)
        #expect(worstErf < 5e-7)
    }

    @Test func softmaxNormalisesEachRowAndSurvivesLargeValues() {
        var x: [Float] = [0, 0, 1000, 0, 1, 2]
        x.withUnsafeMutableBufferPointer { DenseKernels.softmaxRows($0.baseAddress!, rows: 2, columns: 3) }
        let sum = 1 + exp(Float(1)) + exp(Float(2))
        #expect(Self.close(x, [0, 0, 1, 1 / sum, exp(Float(1)) / sum, exp(Float(2)) / sum]))
    }
}
