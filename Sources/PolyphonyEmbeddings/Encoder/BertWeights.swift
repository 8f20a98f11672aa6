import Foundation
import PolyphonyCore

/// A BERT encoder's parameters, borrowed from a mapped safetensors file.
///
/// The query, key and value projections are fused into one `[3·hidden × hidden]` matrix at
/// load time, so each layer makes one wide matrix product instead of three narrow ones.
struct BertWeights: Sendable {
    struct Layer: Sendable {
        var queryKeyValue: Float32Tensor
        var queryKeyValueBias: Float32Tensor
        var attentionOutput: Float32Tensor
        var attentionOutputBias: Float32Tensor
        var attentionNormScale: Float32Tensor
        var attentionNormShift: Float32Tensor
        var intermediate: Float32Tensor
        var intermediateBias: Float32Tensor
        var output: Float32Tensor
        var outputBias: Float32Tensor
        var outputNormScale: Float32Tensor
        var outputNormShift: Float32Tensor
    }

    let configuration: BertConfiguration
    let wordEmbeddings: Float32Tensor
    let positionEmbeddings: Float32Tensor
    let tokenTypeEmbeddings: Float32Tensor
    let embeddingNormScale: Float32Tensor
    let embeddingNormShift: Float32Tensor
    let layers: [Layer]

    /// Reads every tensor and checks all shapes against each other.
    /// - Parameters:
    ///   - file: A BertModel checkpoint; names may carry a `bert.` prefix.
    ///   - headCount: Attention heads per layer; the shapes cannot tell.
    ///   - layerNormEpsilon: LayerNorm's epsilon.
    /// - Throws: `PolyphonyError.invalidInput` naming the file and tensor that is missing or
    ///   has the wrong shape or dtype.
    init(file: SafetensorsFile, headCount: Int, layerNormEpsilon: Float) throws {
        let prefix = file.tensors["embeddings.word_embeddings.weight"] == nil && file.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        func tensor(_ name: String, _ shape: [Int]? = nil) throws -> Float32Tensor {
            try file.float32(prefix + name, shape: shape)
        }
        let words = try tensor("embeddings.word_embeddings.weight")
        guard words.shape.count == 2, words.shape[0] > 0, words.shape[1] > 0 else {
            throw PolyphonyError.invalidInput("tensor \(prefix)embeddings.word_embeddings.weight has shape \(words.shape), expected [vocabulary, hidden]", file: file.path)
        }
        let hidden = words.shape[1]
        guard headCount > 0, hidden % headCount == 0 else {
            throw PolyphonyError.invalidInput("hidden size \(hidden) is not divisible by \(headCount) attention heads", file: file.path)
        }
        let positions = try tensor("embeddings.position_embeddings.weight")
        guard positions.shape.count == 2, positions.shape[1] == hidden, positions.shape[0] > 0 else {
            throw PolyphonyError.invalidInput("tensor \(prefix)embeddings.position_embeddings.weight has shape \(positions.shape), expected [positions, \(hidden)]", file: file.path)
        }
        let tokenTypes = try tensor("embeddings.token_type_embeddings.weight")
        guard tokenTypes.shape.count == 2, tokenTypes.shape[1] == hidden, tokenTypes.shape[0] > 0 else {
            throw PolyphonyError.invalidInput("tensor \(prefix)embeddings.token_type_embeddings.weight has shape \(tokenTypes.shape), expected [types, \(hidden)]", file: file.path)
        }
        var layerCount = 0
        while file.tensors["\(prefix)encoder.layer.\(layerCount).attention.self.query.weight"] != nil { layerCount += 1 }
        guard layerCount > 0 else {
            throw PolyphonyError.invalidInput("tensor \(prefix)encoder.layer.0.attention.self.query.weight is missing: no encoder layers", file: file.path)
        }
        let intermediateName = "encoder.layer.0.intermediate.dense.weight"
        let intermediateSize = try file.info(prefix + intermediateName).shape.first ?? 0
        guard intermediateSize > 0 else {
            throw PolyphonyError.invalidInput("tensor \(prefix)\(intermediateName) has an empty shape", file: file.path)
        }

        configuration = BertConfiguration(
            hiddenSize: hidden, layerCount: layerCount, headCount: headCount, intermediateSize: intermediateSize,
            maxPositions: positions.shape[0], vocabularySize: words.shape[0], layerNormEpsilon: layerNormEpsilon
        )
        wordEmbeddings = words
        positionEmbeddings = positions
        tokenTypeEmbeddings = tokenTypes
        embeddingNormScale = try tensor("embeddings.LayerNorm.weight", [hidden])
        embeddingNormShift = try tensor("embeddings.LayerNorm.bias", [hidden])
        layers = try (0..<layerCount).map { index in
            let layer = "encoder.layer.\(index)."
            let parts = try ["query", "key", "value"].map { part in
                (weight: try tensor(layer + "attention.self.\(part).weight", [hidden, hidden]),
                 bias: try tensor(layer + "attention.self.\(part).bias", [hidden]))
            }
            let fused = Float32Tensor(name: layer + "attention.self.qkv.weight", shape: [3 * hidden, hidden], count: 3 * hidden * hidden) { out in
                for (offset, part) in parts.enumerated() {
                    for index in 0..<(hidden * hidden) { out[offset * hidden * hidden + index] = part.weight.base[index] }
                }
            }
            let fusedBias = Float32Tensor(name: layer + "attention.self.qkv.bias", shape: [3 * hidden], count: 3 * hidden) { out in
                for (offset, part) in parts.enumerated() {
                    for index in 0..<hidden { out[offset * hidden + index] = part.bias.base[index] }
                }
            }
            return Layer(
                queryKeyValue: fused, queryKeyValueBias: fusedBias,
                attentionOutput: try tensor(layer + "attention.output.dense.weight", [hidden, hidden]),
                attentionOutputBias: try tensor(layer + "attention.output.dense.bias", [hidden]),
                attentionNormScale: try tensor(layer + "attention.output.LayerNorm.weight", [hidden]),
                attentionNormShift: try tensor(layer + "attention.output.LayerNorm.bias", [hidden]),
                intermediate: try tensor(layer + "intermediate.dense.weight", [intermediateSize, hidden]),
                intermediateBias: try tensor(layer + "intermediate.dense.bias", [intermediateSize]),
                output: try tensor(layer + "output.dense.weight", [hidden, intermediateSize]),
                outputBias: try tensor(layer + "output.dense.bias", [hidden]),
                outputNormScale: try tensor(layer + "output.LayerNorm.weight", [hidden]),
                outputNormShift: try tensor(layer + "output.LayerNorm.bias", [hidden])
            )
        }
    }
}
