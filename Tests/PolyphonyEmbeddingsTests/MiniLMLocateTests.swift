import Foundation
import PolyphonyCore
import Testing
@testable import PolyphonyEmbeddings

/// Finding the weights folder and batching, which need no weights.
@Suite struct MiniLMLocateTests {
    /// A folder holding empty stand-ins for the required files.
    static func folder(with files: [String]) throws -> String {
        let path = NSTemporaryDirectory() + "polyphony-minilm-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for file in files { _ = FileManager.default.createFile(atPath: path + "/" + file, contents: Data()) }
        return path
    }

    @Test func prefersAnExplicitFolderOverTheEnvironment() throws {
        let explicit = try Self.folder(with: MiniLMEmbedder.requiredFiles)
        let fromEnvironment = try Self.folder(with: MiniLMEmbedder.requiredFiles)
        defer { for path in [explicit, fromEnvironment] { try? FileManager.default.removeItem(atPath: path) } }
        let environment = [MiniLMEmbedder.directoryVariable: fromEnvironment]
        #expect(try MiniLMEmbedder.locate(explicit, environment: environment) == explicit)
        #expect(try MiniLMEmbedder.locate(nil, environment: environment) == fromEnvironment)
    }

    @Test func fallsBackToTheCacheFolderUnderPolyphonyCache() throws {
        let cache = try Self.folder(with: [])
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let models = cache + "/models/all-MiniLM-L6-v2"
        try FileManager.default.createDirectory(atPath: models, withIntermediateDirectories: true)
        for file in MiniLMEmbedder.requiredFiles { _ = FileManager.default.createFile(atPath: models + "/" + file, contents: Data()) }
        #expect(try MiniLMEmbedder.locate(environment: ["POLYPHONY_CACHE": cache]) == models)
        #expect(MiniLMEmbedder.cacheDirectory(environment: ["HOME": "/home/ada"]) == "/home/ada/.cache/polyphony/models/all-MiniLM-L6-v2")
    }

    @Test func saysHowToInstallTheWeightsWhenAFileIsMissing() throws {
        let folder = try Self.folder(with: ["model.safetensors"])
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let expected = PolyphonyError.io(
            "$POLYPHONY_MINILM_DIR has no readable tokenizer.json; install the weights with `bash scripts/install-minilm.sh`, or set POLYPHONY_MINILM_DIR to a folder holding model.safetensors and tokenizer.json",
            file: folder
        )
        #expect(throws: expected) { _ = try MiniLMEmbedder.locate(environment: [MiniLMEmbedder.directoryVariable: folder]) }
    }

    @Test func reportsAnUnusableWeightsFileByName() throws {
        let folder = try Self.folder(with: MiniLMEmbedder.requiredFiles)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let error = #expect(throws: PolyphonyError.invalidInput) {
            _ = try MiniLMEmbedder.load(folder)
        }
        #expect(error?.file == folder + "/model.safetensors")
    }

    @Test func chunksShortestFirstWithinTheTokenBudget() {
        let lengths = [10, 3, 8, 3, 256, 5]
        #expect(MiniLMEmbedder.chunks(lengths, tokenBudget: 16) == [[1, 3, 5], [2], [0], [4]])
        #expect(MiniLMEmbedder.chunks([], tokenBudget: 16).isEmpty)
    }

    @Test func balancedBudgetGivesEveryCoreTheSameNumberOfEqualChunks() {
        // 15,000 tokens at 2,048 a chunk would be 7 full chunks and a short one: 4 against 3.3 per core.
        let lengths = Array(repeating: 15, count: 1_000)
        let budget = MiniLMEmbedder.balancedBudget(lengths, tokenBudget: 2048, workers: 2)
        #expect(budget == 1875)
        #expect(MiniLMEmbedder.chunks(lengths, tokenBudget: budget).map(\.count) == Array(repeating: 125, count: 8))
        // Never below the longest sequence, never above the budget, and a small batch still splits.
        #expect(MiniLMEmbedder.balancedBudget([300, 5], tokenBudget: 2048, workers: 2) == 300)
        #expect(MiniLMEmbedder.balancedBudget([10, 10, 10, 10], tokenBudget: 2048, workers: 2) == 20)
        #expect(MiniLMEmbedder.balancedBudget(Array(repeating: 256, count: 40), tokenBudget: 512, workers: 2) == 512)
        #expect(MiniLMEmbedder.balancedBudget([], tokenBudget: 2048, workers: 2) == 2048)
    }
}
