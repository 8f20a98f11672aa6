/// Turns texts into vectors for the diversity metrics.
public protocol Embedder: Sendable {
    /// A stable name that reports print and caches key on, e.g. `lexical-hash-384` or `minilm`.
    var name: String { get }
    /// Whether similar meanings land close together; `false` for lexical embedders,
    /// which reports must label as such.
    var isSemantic: Bool { get }

    /// Embeds a batch of texts; the result has one vector per text, in order.
    func embed(_ texts: [String]) async throws -> [[Float]]
}
