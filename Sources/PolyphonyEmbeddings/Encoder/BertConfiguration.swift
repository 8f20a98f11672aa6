/// The dimensions of a BERT encoder, read from the weights' shapes where they say it.
package struct BertConfiguration: Sendable, Equatable {
    /// Width of every token vector (384 for MiniLM-L6).
    package var hiddenSize: Int
    /// Number of transformer layers (6).
    package var layerCount: Int
    /// Attention heads per layer (12); shapes cannot tell this, so it comes from config.json or the default.
    package var headCount: Int
    /// Width of the feed-forward layer (1536).
    package var intermediateSize: Int
    /// Rows of the position table: the longest sequence the model can read (512).
    package var maxPositions: Int
    /// Rows of the word table.
    package var vocabularySize: Int
    /// LayerNorm's epsilon (1e-12).
    package var layerNormEpsilon: Float

    /// Each head's width: `hiddenSize / headCount`.
    package var headSize: Int { hiddenSize / max(headCount, 1) }
}
