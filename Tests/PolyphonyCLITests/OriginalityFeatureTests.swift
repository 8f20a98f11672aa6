import Foundation
import PolyphonyTestSupport
import Testing

/// The learned originality model's features as the binary computes them with MiniLM.
@Suite struct OriginalityFeatureTests {
    private struct Fixture: Decodable {
        struct Idea: Decodable {
            var text: String
            var prompt: String
            var features: [Double]
        }
        var ideas: [Idea]
    }

    /// Forced to float32 the features match the fixture to 1e-4. The automatic precision
    /// (bfloat16 on AVX512_BF16 CPUs) moves a component by up to about 1e-3; an empty value
    /// clears `POLYPHONY_MINILM_PRECISION` so the binary chooses as it would for a user.
    @Test(arguments: zip(["float32", ""], [1e-4, 2e-3]))
    func theBinaryComputesTheFixturesFeaturesWithMiniLMWhenItIsInstalled(precision: String, tolerance: Double) async throws {
        let cache = ProcessInfo.processInfo.environment["POLYPHONY_CACHE"] ?? (NSHomeDirectory() + "/.cache/polyphony")
        guard FileManager.default.fileExists(atPath: cache + "/models/all-MiniLM-L6-v2/model.safetensors") else { return }
        let fixturePath = RunCommandTests.repository + "/Tests/PolyphonyScoringTests/Fixtures/originality-fixture.json"
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: URL(fileURLWithPath: fixturePath)))
        let folder = try TemporaryFolder()
        var rows: [String] = []
        for idea in fixture.ideas {
            rows.append(String(decoding: try JSONSerialization.data(withJSONObject: ["text": idea.text, "prompt": idea.prompt]), as: UTF8.self))
        }
        let input = try folder.write("rows.jsonl", rows.joined(separator: "\n") + "\n")
        let output = folder.path + "/features.f64"
        let result = try await CLIHarness.run(
            ["score", "features", input, output, "--embedder", "minilm", "--no-cache"], environment: ["POLYPHONY_MINILM_PRECISION": precision]
        )
        #expect(result.status == 0, "\(result.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: output))
        let values = data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        let width = fixture.ideas[0].features.count
        #expect(values.count == fixture.ideas.count * width)
        for (index, idea) in fixture.ideas.enumerated() {
            let computed = values[(index * width)..<((index + 1) * width)]
            let largest = zip(computed, idea.features).map { abs($0 - $1) }.max() ?? 0
            #expect(largest < tolerance, "\(idea.text): features differ by \(largest)")
        }
    }
}
