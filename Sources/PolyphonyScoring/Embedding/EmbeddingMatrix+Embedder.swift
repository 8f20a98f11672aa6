import PolyphonyCore

extension EmbeddingMatrix {
    /// `texts` embedded by `embedder`, `batchSize` texts per call, as unit-normalised rows in
    /// the order given.
    /// - Throws: ``PolyphonyError`` when the embedder fails or returns other than one vector
    ///   per text, or vectors of unequal length.
    public static func embedding(_ texts: [String], with embedder: any Embedder, batchSize: Int = 512) async throws -> EmbeddingMatrix {
        let batchSize = max(1, batchSize)
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        for start in stride(from: 0, to: texts.count, by: batchSize) {
            let batch = Array(texts[start..<min(texts.count, start + batchSize)])
            let embedded = try await embedder.embed(batch)
            guard embedded.count == batch.count else {
                throw PolyphonyError.invalidInput("embedder \(embedder.name) returned \(embedded.count) vectors for \(batch.count) texts")
            }
            vectors.append(contentsOf: embedded)
        }
        return try EmbeddingMatrix(vectors).normalized()
    }
}
