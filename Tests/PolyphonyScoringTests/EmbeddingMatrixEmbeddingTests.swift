import PolyphonyCore
import PolyphonyScoring
import Synchronization
import Testing

struct EmbeddingMatrixEmbeddingTests {
    /// Records the size of every call and drops a vector from the call named by `short`.
    private final class BatchRecorder: Embedder, Sendable {
        let calls = Mutex<[Int]>([])
        let short: Int?
        init(short: Int? = nil) { self.short = short }
        var name: String { "recorder" }
        var isSemantic: Bool { true }
        func embed(_ texts: [String]) async throws -> [[Float]] {
            let call = calls.withLock { $0.append(texts.count); return $0.count }
            let vectors = texts.map { [Float($0.count), 0] }
            return call == short ? Array(vectors.dropLast()) : vectors
        }
    }

    @Test func embedsInBatchesInOrderAsUnitRowsAndRefusesAShortAnswer() async throws {
        let texts = ["a", "bb", "ccc", "dddd", "eeeee"]
        let recorder = BatchRecorder()
        let matrix = try await EmbeddingMatrix.embedding(texts, with: recorder, batchSize: 2)
        #expect(recorder.calls.withLock { $0 } == [2, 2, 1])
        #expect(matrix.rows == 5 && matrix.row(4) == [1, 0])
        await #expect(throws: PolyphonyError.self) {
            try await EmbeddingMatrix.embedding(texts, with: BatchRecorder(short: 2), batchSize: 2)
        }
    }
}
