import CPolyphonyKernels

/// A Linear layer's weight converted once to bfloat16 panels, the layout `vdpbf16ps` reads.
///
/// Made at load time from the float32 tensor (PyTorch's `[outputs × inputs]` layout), rounding
/// to nearest even; about half the memory of the float32 weight.
final class BFloat16Matrix: @unchecked Sendable {
    // @unchecked: the values are never written after init.
    let outputs: Int
    let inputs: Int
    let values: UnsafeMutablePointer<UInt16>

    init(_ weight: Float32Tensor, outputs: Int, inputs: Int) {
        precondition(weight.count == outputs * inputs, "weight \(weight.name) is not \(outputs) × \(inputs)")
        self.outputs = outputs
        self.inputs = inputs
        let count = max(polyphony_bf16_packed_count(Int32(outputs), Int32(inputs)), 1)
        values = .allocate(capacity: count)
        values.initialize(repeating: 0, count: count)
        weight.withUnsafeValues { buffer in
            polyphony_bf16_pack_weights(buffer.baseAddress, Int32(outputs), Int32(inputs), values)
        }
    }

    deinit { values.deallocate() }

    /// Rounds `rows × columns` floats to bfloat16 rows of `(columns + 1) & ~1` values, the
    /// input format of ``linear(rounded:rows:bias:into:)``.
    static func round(_ input: UnsafePointer<Float>, rows: Int, columns: Int, into output: UnsafeMutablePointer<UInt16>) {
        polyphony_bf16_convert_rows(input, Int32(rows), Int32(columns), Int32(columns), output)
    }

    /// `output[rows × outputs] = input[rows × inputs] · weightᵀ + bias` in bfloat16 with float32
    /// sums, from input rows already rounded by ``round(_:rows:columns:into:)``.
    func linear(rounded input: UnsafePointer<UInt16>, rows: Int, bias: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>) {
        polyphony_bf16_linear(input, Int32(rows), Int32(inputs), values, Int32(outputs), bias, output)
    }

    /// GELU(input · weightᵀ + bias), written as bfloat16 rows ready for the next product.
    func linearGELU(rounded input: UnsafePointer<UInt16>, rows: Int, bias: UnsafePointer<Float>, into output: UnsafeMutablePointer<UInt16>) {
        polyphony_bf16_linear_gelu(input, Int32(rows), Int32(inputs), values, Int32(outputs), bias, output)
    }

    /// ``round(_:rows:columns:into:)`` into `scratch`, then ``linear(rounded:rows:bias:into:)``.
    func linear(
        _ input: UnsafePointer<Float>, rows: Int, bias: UnsafePointer<Float>,
        into output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<UInt16>
    ) {
        Self.round(input, rows: rows, columns: inputs, into: scratch)
        linear(rounded: scratch, rows: rows, bias: bias, into: output)
    }
}
