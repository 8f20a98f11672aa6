import CPolyphonyKernels
import PolyphonyCore

/// How the encoder's dense layers (the four matrix products of each layer) multiply.
///
/// The products take most of the encoder's time (about 80% in bfloat16). In float32 they run on the system BLAS,
/// which is already near a core's float32 peak; ``bfloat16`` rounds weights and activations to
/// bfloat16 (8 significant bits) and sums in float32 with AVX512_BF16's `vdpbf16ps`, which does
/// twice the multiply-adds per cycle. Attention scores, softmax, LayerNorm, GELU and pooling stay
/// float32 in both. Vectors from the two agree to a cosine above 0.999 with the reference.
public enum MiniLMPrecision: String, Sendable, CaseIterable {
    /// bfloat16 products with float32 sums; needs a CPU with AVX512_BF16.
    case bfloat16
    /// float32 throughout, on the system BLAS; runs everywhere.
    case float32

    /// The environment variable that forces one (`float32` or `bfloat16`) instead of the automatic choice.
    public static let variable = "POLYPHONY_MINILM_PRECISION"

    /// Whether this CPU (and OS) can run the ``bfloat16`` kernels; checked at run time.
    public static var bfloat16Supported: Bool { polyphony_bf16_supported() != 0 }

    /// The precision to use: `requested` if given, else the environment variable, else
    /// ``bfloat16`` where the CPU supports it and ``float32`` elsewhere.
    /// - Throws: `PolyphonyError.invalidInput` for an unknown value of the variable, or when
    ///   ``bfloat16`` is asked for on a CPU without AVX512_BF16.
    static func resolve(_ requested: MiniLMPrecision?, environment: [String: String]) throws -> MiniLMPrecision {
        var chosen = requested
        if chosen == nil, let value = environment[variable], !value.isEmpty {
            guard let named = MiniLMPrecision(rawValue: value) else {
                throw PolyphonyError.invalidInput("\(variable)=\(value) is not one of float32, bfloat16")
            }
            chosen = named
        }
        switch chosen {
        case .float32: return .float32
        case .bfloat16:
            guard bfloat16Supported else {
                throw PolyphonyError.invalidInput("MiniLM precision bfloat16 needs a CPU with AVX512_BF16; this one has none (use float32)")
            }
            return .bfloat16
        case nil: return bfloat16Supported ? .bfloat16 : .float32
        }
    }
}
