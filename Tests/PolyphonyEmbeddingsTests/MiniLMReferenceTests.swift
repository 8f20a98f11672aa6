import Foundation
import PolyphonyCore
import Testing
@testable import PolyphonyEmbeddings

/// Agreement with references computed outside Swift by `scripts/make-minilm-reference.py`:
/// token ids from Hugging Face `tokenizers`, vectors from a float64 numpy forward pass.
///
/// These need the real weights; they skip only when the weights folder is missing
/// (install it with `bash scripts/install-minilm.sh`).
@Suite(.enabled(if: MiniLMReference.weightsInstalled, "MiniLM weights not installed: run `bash scripts/install-minilm.sh` (or set POLYPHONY_MINILM_DIR)"))
struct MiniLMReferenceTests {
    @Test func tokenIDsMatchHuggingFaceTokenizersOnEveryReferenceSentence() throws {
        let embedder = try MiniLMReference.embedder()
        let cases = try MiniLMReference.cases()
        #expect(cases.count >= 50)
        for sample in cases {
            #expect(embedder.tokenIDs(sample.text) == sample.ids, "\(sample.text.debugDescription)")
        }
    }

    @Test func longInputIsTruncatedTo256Tokens() throws {
        let embedder = try MiniLMReference.embedder()
        let ids = embedder.tokenIDs(String(repeating: "shared kitchens for every street ", count: 100))
        #expect(ids.count == 256)
        #expect(ids.first == 101 && ids.last == 102)
    }

    @Test(arguments: MiniLMReference.precisions)
    func vectorsMatchTheNumpyForwardPassOnEveryReferenceSentence(precision: MiniLMPrecision) async throws {
        let embedder = try MiniLMReference.embedder(precision)
        #expect(embedder.precision == precision)
        let cases = try MiniLMReference.cases()
        let vectors = try await embedder.embed(cases.map(\.text))
        #expect(vectors.count == cases.count)
        for (sample, vector) in zip(cases, vectors) {
            #expect(vector.count == 384)
            let cosine = MiniLMReference.cosine(vector, sample.embedding)
            #expect(cosine >= 0.999, "cosine \(cosine) for \(sample.text.debugDescription)")
        }
    }

    @Test func aTextGetsTheSameVectorAloneAndInABatchOfLongerTexts() async throws {
        let embedder = try MiniLMReference.embedder()
        let short = "Solar-powered charging benches in every public park."
        let long = String(repeating: "A much longer idea about rivers, bridges and night markets. ", count: 12)
        let alone = try await embedder.embed([short])
        let batched = try await embedder.embed([long, short, "word", long + "!"])
        #expect(MiniLMReference.cosine(alone[0], batched[1]) > 0.99999)
        #expect(batched.allSatisfy { abs(MiniLMReference.cosine($0, $0) - 1) < 1e-5 })
    }

    @Test func theCacheKeyNamesThePrecisionAndTheTruncationLengthSoNeitherIsServedTheOthersVectors() throws {
        let directory = try MiniLMEmbedder.locate()
        #expect(try MiniLMEmbedder(directory: directory, precision: .float32).cacheKey == "minilm-float32-256")
        #expect(try MiniLMEmbedder(directory: directory, maxTokens: 128, precision: .float32).cacheKey == "minilm-float32-128")
        if MiniLMPrecision.bfloat16Supported {
            #expect(try MiniLMReference.embedder(.bfloat16).cacheKey == "minilm-bfloat16-256")
        }
        #expect(try MiniLMReference.embedder().name == "minilm")
    }

    @Test func returnsVectorsInTheCallersOrderAcrossChunks() async throws {
        let directory = try MiniLMEmbedder.locate()
        // A budget of one long sequence forces several encoder passes and reordering.
        let embedder = try MiniLMEmbedder(directory: directory, maxTokens: 32, tokenBudget: 32)
        let texts = ["Turn parking lots into night markets.", "word", "Public fridges where restaurants leave unsold food.", ""]
        let together = try await embedder.embed(texts)
        for (index, text) in texts.enumerated() {
            let alone = try await embedder.embed([text])
            #expect(MiniLMReference.cosine(together[index], alone[0]) > 0.99999, "\(text.debugDescription)")
        }
        #expect(try await embedder.embed([]).isEmpty)
    }

    @Test func stopsWithCancellationErrorWhenItsTaskIsCancelled() async throws {
        let embedder = try MiniLMReference.embedder()
        let texts = Array(repeating: "A library of things: borrow a drill, a tent, or a sewing machine.", count: 4000)
        let task = Task { try await embedder.embed(texts) }
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
    }

    @Test func similarIdeasAreCloserThanUnrelatedOnes() async throws {
        let embedder = try MiniLMReference.embedder()
        let vectors = try await embedder.embed([
            "Plant trees along every street to cool the city.",
            "Line the streets with trees so neighbourhoods stay cooler.",
            "A subscription service for repairing old shoes.",
        ])
        #expect(MiniLMReference.cosine(vectors[0], vectors[1]) > MiniLMReference.cosine(vectors[0], vectors[2]) + 0.3)
    }
}

/// The reference fixture and a shared, lazily loaded embedder.
enum MiniLMReference {
    struct Case: Decodable {
        let text: String
        let ids: [Int]
        let embedding: [Float]
    }

    struct Fixture: Decodable {
        let cases: [Case]
    }

    static let weightsInstalled = (try? MiniLMEmbedder.locate()) != nil

    /// Every precision this CPU can run: float32 always, bfloat16 with AVX512_BF16.
    static let precisions: [MiniLMPrecision] = MiniLMPrecision.bfloat16Supported ? [.bfloat16, .float32] : [.float32]

    /// Loaded once for the whole suite; a load failure (other than missing weights) fails each test.
    private static let loaded = Result { try MiniLMEmbedder.load() }
    private static let loadedFloat32 = Result { try MiniLMEmbedder(directory: MiniLMEmbedder.locate(), precision: .float32) }
    private static let loadedBFloat16 = Result { try MiniLMEmbedder(directory: MiniLMEmbedder.locate(), precision: .bfloat16) }

    /// The embedder with the automatic precision, or the one asked for.
    static func embedder(_ precision: MiniLMPrecision? = nil) throws -> MiniLMEmbedder {
        switch precision {
        case nil: try loaded.get()
        case .float32: try loadedFloat32.get()
        case .bfloat16: try loadedBFloat16.get()
        }
    }

    static func cases() throws -> [Case] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/minilm-reference.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url)).cases
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        guard a.count == b.count else { return -2 }
        var dot = 0.0, normA = 0.0, normB = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            normA += Double(x) * Double(x)
            normB += Double(y) * Double(y)
        }
        return dot / max((normA * normB).squareRoot(), .leastNonzeroMagnitude)
    }
}
