import Foundation
import PolyphonyCore
import Testing
@testable import PolyphonyEmbeddings

/// The bfloat16 linear kernel against a plain loop, on shapes that exercise every edge: an odd
/// input count, a last panel of 64 outputs that is partly empty, and row counts that leave a
/// partial tile of 1–5 rows.
@Suite(.enabled(if: MiniLMPrecision.bfloat16Supported, "this CPU has no AVX512_BF16"))
struct BFloat16MatrixTests {
    /// Small integers and halves are exact in bfloat16 and their sums exact in float32, so the
    /// kernel must match the loop bit for bit.
    @Test(arguments: [1, 5, 6, 13, 97, 200])
    func linearEqualsThePlainProductOnValuesBFloat16HoldsExactly(rows: Int) {
        let inputs = 37, outputs = 130
        let input = (0..<(rows * inputs)).map { Float(($0 * 7) % 11) - 5 }
        let weight = (0..<(outputs * inputs)).map { Float(($0 * 5) % 9) * 0.5 - 2 }
        let bias = (0..<outputs).map { Float($0 % 4) }
        let tensor = Float32Tensor(name: "w", shape: [outputs, inputs], count: weight.count) { _ = $0.initialize(from: weight) }
        let matrix = BFloat16Matrix(tensor, outputs: outputs, inputs: inputs)
        var output = [Float](repeating: .nan, count: rows * outputs)
        var scratch = [UInt16](repeating: 0, count: rows * (inputs + 1))
        output.withUnsafeMutableBufferPointer { out in
            scratch.withUnsafeMutableBufferPointer { matrix.linear(input, rows: rows, bias: bias, into: out.baseAddress!, scratch: $0.baseAddress!) }
        }
        var expected = [Float](repeating: 0, count: rows * outputs)
        for row in 0..<rows {
            for column in 0..<outputs {
                var sum = bias[column]
                for index in 0..<inputs { sum += input[row * inputs + index] * weight[column * inputs + index] }
                expected[row * outputs + column] = sum
            }
        }
        #expect(output == expected)
    }

    /// The fused GELU product, on every partial tile and a last panel of 3 outputs (131 is odd,
    /// so each bfloat16 row also carries a zero pad). GELU of the exact sum, rounded to bfloat16,
    /// may land one bfloat16 step away (the kernel's erf is within 1.5·10⁻⁷), never more.
    @Test(arguments: [1, 5, 6, 13, 97, 200])
    func linearGELUIsGELUOfThePlainProductInBFloat16(rows: Int) {
        let inputs = 37, outputs = 131, width = 132
        let input = (0..<(rows * inputs)).map { Float(($0 * 7) % 11) - 5 }
        let weight = (0..<(outputs * inputs)).map { Float(($0 * 5) % 9) * 0.0625 - 0.25 }
        let bias = (0..<outputs).map { Float($0 % 4) - 1.5 }
        let tensor = Float32Tensor(name: "w", shape: [outputs, inputs], count: weight.count) { _ = $0.initialize(from: weight) }
        let matrix = BFloat16Matrix(tensor, outputs: outputs, inputs: inputs)
        var rounded = [UInt16](repeating: 0, count: rows * (inputs + 1))
        var output = [UInt16](repeating: 0xFFFF, count: rows * width)
        rounded.withUnsafeMutableBufferPointer { BFloat16Matrix.round(input, rows: rows, columns: inputs, into: $0.baseAddress!) }
        output.withUnsafeMutableBufferPointer { out in
            rounded.withUnsafeBufferPointer { matrix.linearGELU(rounded: $0.baseAddress!, rows: rows, bias: bias, into: out.baseAddress!) }
        }
        var misses: [String] = []
        for row in 0..<rows {
            for column in 0..<outputs {
                var sum = Double(bias[column])
                for index in 0..<inputs { sum += Double(input[row * inputs + index]) * Double(weight[column * inputs + index]) }
                let expected = 0.5 * sum * (1 + Foundation.erf(sum / 2.0.squareRoot()))
                let got = Double(Float(bitPattern: UInt32(output[row * width + column]) << 16))
                // One bfloat16 step at this magnitude is 2⁻⁷ relative; tiny values get an absolute floor.
                let steps = abs(got - expected) / max(abs(expected) * 0x1p-7, 1e-6)
                if !(steps <= 1) { misses.append("[\(row), \(column)]: \(got) for \(expected)") }
            }
            #expect(output[row * width + outputs] == 0, "row \(row) pad")
        }
        #expect(misses.isEmpty, "more than one bfloat16 step off at \(misses.prefix(3))")
    }

    @Test func linearRoundsToNearestEvenBFloat16() {
        // 1 + 2⁻⁸ lies halfway between bfloat16 1 and 1 + 2⁻⁷ and rounds to the even 1;
        // 1 + 3·2⁻⁸ lies halfway between 1 + 2⁻⁷ and 1 + 2⁻⁶ and rounds up to 1 + 2⁻⁶.
        let tensor = Float32Tensor(name: "w", shape: [2, 2], count: 4) { _ = $0.initialize(from: [1 + 1.0 / 256, 0, 1 + 3.0 / 256, 0]) }
        let matrix = BFloat16Matrix(tensor, outputs: 2, inputs: 2)
        var output: [Float] = [0, 0]
        var scratch: [UInt16] = [0, 0]
        output.withUnsafeMutableBufferPointer { out in
            scratch.withUnsafeMutableBufferPointer { matrix.linear([1, 0], rows: 1, bias: [0, 0], into: out.baseAddress!, scratch: $0.baseAddress!) }
        }
        #expect(output == [1, 1 + 1.0 / 64])
    }
}

/// Choosing the precision: automatic by CPU flags, or forced by parameter or environment.
@Suite struct MiniLMPrecisionTests {
    @Test func automaticChoiceIsBFloat16ExactlyWhenTheCPUSupportsIt() throws {
        let chosen = try MiniLMPrecision.resolve(nil, environment: [:])
        #expect(chosen == (MiniLMPrecision.bfloat16Supported ? .bfloat16 : .float32))
    }

    @Test func environmentVariableForcesTheFloat32Fallback() throws {
        #expect(try MiniLMPrecision.resolve(nil, environment: [MiniLMPrecision.variable: "float32"]) == .float32)
    }

    @Test func parameterWinsOverTheEnvironment() throws {
        #expect(try MiniLMPrecision.resolve(.float32, environment: [MiniLMPrecision.variable: "bfloat16"]) == .float32)
    }

    @Test func unknownEnvironmentValueIsAnInvalidInputError() {
        #expect(throws: PolyphonyError.invalidInput) {
            _ = try MiniLMPrecision.resolve(nil, environment: [MiniLMPrecision.variable: "fp8"])
        }
    }

    @Test(.enabled(if: !MiniLMPrecision.bfloat16Supported, "this CPU has AVX512_BF16"))
    func askingForBFloat16WithoutAVX512BF16IsAnError() {
        #expect(throws: PolyphonyError.invalidInput) { _ = try MiniLMPrecision.resolve(.bfloat16, environment: [:]) }
    }
}
