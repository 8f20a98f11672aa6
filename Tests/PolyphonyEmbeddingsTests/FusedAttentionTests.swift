import CPolyphonyKernels
import Foundation
import Testing
@testable import PolyphonyEmbeddings

/// The fused AVX-512 attention kernel against the textbook formula, and the encoder built on it
/// against the per-head BLAS path it replaces.
@Suite(.enabled(if: BertEncoder.vectorAttentionSupported, "this CPU has no AVX-512F"))
struct FusedAttentionTests {
    /// Lengths around the 16-key blocks and the 8-query groups; a head width of 24 leaves a
    /// partial 16-lane chunk, and the row stride leaves a gap after the values.
    @Test(arguments: [1, 2, 7, 15, 16, 17, 40])
    func matchesSoftmaxOfScaledScoresTimesValues(length: Int) {
        let heads = 3, headSize = 24, hidden = heads * headSize
        let stride = 3 * hidden + 5
        let contextStride = hidden + 3
        let scale: Float = 0.2
        // Deterministic values in [-2, 2] so scores span a few units, as in a trained model.
        var qkv = [Float](repeating: 0, count: length * stride)
        for index in qkv.indices { qkv[index] = Float((index * 37 + 11) % 101) / 25 - 2 }
        var scratch = [Float](repeating: .nan, count: polyphony_attention_scratch_count(Int32(length), Int32(heads), Int32(headSize)))
        var context = [Float](repeating: .nan, count: length * contextStride)
        polyphony_attention(qkv, Int32(length), Int32(heads), Int32(headSize), Int32(stride), scale, &scratch, &context, Int32(contextStride))

        var misses: [String] = []
        for head in 0..<heads {
            let query = head * headSize, key = hidden + head * headSize, value = 2 * hidden + head * headSize
            for i in 0..<length {
                var weights = [Double](repeating: 0, count: length)
                for j in 0..<length {
                    var dot = 0.0
                    for d in 0..<headSize { dot += Double(qkv[i * stride + query + d]) * Double(qkv[j * stride + key + d]) }
                    weights[j] = dot * Double(scale)
                }
                let top = weights.max() ?? 0
                for j in 0..<length { weights[j] = Foundation.exp(weights[j] - top) }
                let total = weights.reduce(0, +)
                for d in 0..<headSize {
                    var sum = 0.0
                    for j in 0..<length { sum += weights[j] * Double(qkv[j * stride + value + d]) }
                    let got = Double(context[i * contextStride + query + d])
                    // Written as a negation so an unwritten (NaN) output counts as a miss.
                    if !(abs(got - sum / total) < 2e-6) { misses.append("head \(head) [\(i), \(d)]: \(got) for \(sum / total)") }
                }
            }
        }
        #expect(misses.isEmpty, "off by 2·10⁻⁶ or more at \(misses.prefix(3))")
        // The gaps between rows are never written.
        let gaps = (0..<length).flatMap { i in context[(i * contextStride + hidden)..<((i + 1) * contextStride)] }
        #expect(gaps.allSatisfy { $0.isNaN })
    }

    @Test(.enabled(if: MiniLMReference.weightsInstalled, "MiniLM weights not installed"))
    func encoderGivesTheSameVectorsAsPerHeadBLASAttention() throws {
        let embedder = try MiniLMReference.embedder(.float32)
        let sequences = try MiniLMReference.cases().map(\.ids)
        let fused = try BertEncoder(weights: embedder.encoder.weights, blas: BLASLibrary.shared.get(), precision: .float32, vectorAttention: true)
        let perHead = try BertEncoder(weights: embedder.encoder.weights, blas: BLASLibrary.shared.get(), precision: .float32, vectorAttention: false)
        let a = try fused.embed(sequences)
        let b = try perHead.embed(sequences)
        for (index, (x, y)) in zip(a, b).enumerated() {
            #expect(MiniLMReference.cosine(x, y) > 0.999_999, "sequence \(index) of \(sequences[index].count) tokens")
        }
    }
}
