/// The dimensions of a BERT encoder, read from the weights' shapes where they say it.
public struct BertConfiguration: Sendable, Equatable {
    /// Width of every token vector (384 for MiniLM-L6).
    public var hiddenSize: Int
    /// Number of transformer layers (6).
    public var layerCount: Int
    /// Attention heads per layer (12); shapes cannot tell this, so it comes from config.json or the default.
    public var headCount: Int
    /// Width of the feed-forward layer (1536).
    public var intermediateSize: Int
    /// Rows of the position table: the longest sequence the model can read (512).
    public var maxPositions: Int
    /// Rows of the word table.
    public var vocabularySize: Int
    /// LayerNorm's epsilon (1e-12).
    public var layerNormEpsilon: Float

    /// Each head's width: `hiddenSize / headCount`.
    public var headSize: Int { hiddenSize / max(headCount, 1) }
}
