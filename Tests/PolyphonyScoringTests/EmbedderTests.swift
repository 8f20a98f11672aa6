import Synchronization
import Foundation
import PolyphonyCore
import Testing
@testable import PolyphonyScoring

struct EmbedderTests {
    @Test func lexicalVectorsAreUnitLengthDeterministicAndLabelledLexical() async throws {
        let embedder = LexicalEmbedder()
        #expect(embedder.name == "lexical-hash-384")
        #expect(embedder.isSemantic == false)
        let vectors = try await embedder.embed(["Plant shade trees along bus stops", "Plant shade trees along bus stops", ""])
        #expect(vectors[0].count == 384)
        #expect(abs(vectors[0].reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        #expect(vectors[0] == vectors[1])
        #expect(vectors[2].allSatisfy { $0 == 0 })
    }

    @Test func sharedWordingScoresHigherThanUnrelatedWording() throws {
        let embedder = LexicalEmbedder()
        let texts = ["Plant shade trees along bus stops", "plant more shade trees at the bus stops", "Offer tax credits for white roofs"]
        let matrix = try EmbeddingMatrix(texts.map(embedder.vector))
        #expect(matrix.dot(0, 1) > 0.6)
        #expect(matrix.dot(0, 2) < 0.2)
    }

    @Test func cacheServesRepeatedTextsFromDiskAcrossInstances() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let counting = CountingEmbedder()
        let first = CachingEmbedder(counting, directory: scratch.path)
        let vectors = try await first.embed(["alpha", "beta", "alpha"])
        #expect(counting.calls.withLock { $0 } == [["alpha", "beta"]])
        let second = CachingEmbedder(counting, directory: scratch.path)
        let again = try await second.embed(["beta", "alpha", "gamma"])
        #expect(counting.calls.withLock { $0 } == [["alpha", "beta"], ["gamma"]])
        #expect(again[0] == vectors[1])
        #expect(again[1] == vectors[0])
        #expect(second.count == 3)
    }

    @Test func vectorsCachedUnderOneCacheKeyAreNotServedToAnEmbedderOfTheSameNameWithAnother() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let bfloat16 = KeyedEmbedder(cacheKey: "same-name-bfloat16", value: 1)
        let float32 = KeyedEmbedder(cacheKey: "same-name-float32", value: 2)
        #expect(try await CachingEmbedder(bfloat16, directory: scratch.path).embed(["alpha"]) == [[1]])
        #expect(try await CachingEmbedder(float32, directory: scratch.path).embed(["alpha"]) == [[2]])
        #expect(try await CachingEmbedder(bfloat16, directory: scratch.path).embed(["alpha"]) == [[1]])
        #expect(bfloat16.calls.withLock { $0 } == 1)
        #expect(float32.calls.withLock { $0 } == 1)
    }

    @Test func keysThatDifferOnlyInUnsafeCharactersGetFilesOfTheirOwnInsideTheFolder() {
        #expect(CachingEmbedder.fileName(for: "minilm-bfloat16-256") == "minilm-bfloat16-256.embcache")
        let names = ["local/smollm", "local_smollm", "local:smollm", "../../etc/passwd", String(repeating: "a", count: 200)].map(CachingEmbedder.fileName)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { !$0.contains("/") && $0.count <= 80 })
    }

    @Test func aLexicalEmbedderIsCachedOnlyWhenAFolderIsAskedFor() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        #expect(!(CachingEmbedder.unlessCheap(LexicalEmbedder(), directory: nil) is CachingEmbedder))
        let asked = try #require(CachingEmbedder.unlessCheap(LexicalEmbedder(), directory: scratch.path) as? CachingEmbedder)
        #expect(asked.path.hasPrefix(scratch.path + "/"))
    }

    @Test func aSemanticEmbedderIsCachedEvenWithoutAFolder() {
        #expect(CachingEmbedder.unlessCheap(FixedEmbedder(vectors: [:]), directory: nil) is CachingEmbedder)
    }

    @Test func cacheDropsARecordCutOffByACrashAndKeepsAppendingAligned() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let counting = CountingEmbedder()
        let cache = CachingEmbedder(counting, directory: scratch.path)
        _ = try await cache.embed(["alpha"])
        let handle = try #require(FileHandle(forWritingAtPath: cache.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([1, 2, 3, 4, 5]))
        try handle.close()
        let reopened = CachingEmbedder(counting, directory: scratch.path)
        #expect(try await reopened.embed(["alpha"]) == [[5, 1, -0.5]])
        #expect(counting.calls.withLock { $0 }.count == 1)
        // A record appended after the repair must read back intact.
        _ = try await reopened.embed(["beta!"])
        let third = CachingEmbedder(counting, directory: scratch.path)
        #expect(try await third.embed(["alpha", "beta!"]) == [[5, 1, -0.5], [5, 1, -0.5]])
        #expect(third.count == 2)
        #expect(counting.calls.withLock { $0 }.count == 2)
    }

    @Test func registryBuildsLexicalAndNamesTheChoicesForUnknownNames() throws {
        let registry = EmbedderRegistry.standard
        #expect(try registry.make("lexical").name == "lexical-hash-384")
        #expect(throws: PolyphonyError.invalidInput) {
            try registry.make("minilm")
        }
    }
}

/// Records every batch it is asked for, and returns vectors derived from the text length.
/// One name for every instance; the cache key and the vector it returns tell them apart.
final class KeyedEmbedder: Embedder {
    let calls = Mutex(0)
    let cacheKey: String
    let value: Float
    var name: String { "same-name" }
    var isSemantic: Bool { true }

    init(cacheKey: String, value: Float) {
        self.cacheKey = cacheKey
        self.value = value
    }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        calls.withLock { $0 += 1 }
        return texts.map { _ in [value] }
    }
}

final class CountingEmbedder: Embedder {
    let calls = Mutex<[[String]]>([])
    var name: String { "counting-3" }
    var isSemantic: Bool { false }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        calls.withLock { $0.append(texts) }
        return texts.map { [Float($0.count), 1, -0.5] }
    }
}
