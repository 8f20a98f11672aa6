/// Turns texts into vectors for the diversity metrics.
public protocol Embedder: Sendable {
    /// A stable name that reports print, e.g. `lexical-hash-384` or `minilm`.
    var name: String { get }
    /// What an on-disk cache of this embedder's vectors keys on: ``name`` plus whatever else
    /// changes the vectors under that name (a precision, a truncation length, a model file),
    /// so vectors made one way are never served for another. Defaults to ``name``.
    var cacheKey: String { get }
    /// Whether similar meanings land close together; `false` for lexical embedders,
    /// which reports must label as such.
    var isSemantic: Bool { get }

    /// Embeds a batch of texts; the result has one vector per text, in order.
    func embed(_ texts: [String]) async throws -> [[Float]]
}

extension Embedder {
    public var cacheKey: String { name }
}
