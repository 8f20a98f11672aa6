import Foundation
import PolyphonyCore
import Testing
@testable import PolyphonyScoring

struct OriginalityModelTests {
    private struct Fixture: Decodable {
        struct Idea: Decodable {
            var text: String
            var prompt: String
            var features: [Double]
            var prediction: Double
        }
        var ideas: [Idea]
    }

    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func shippedWeightsLoadAndGiveTheCommittedPredictionsForTheFixture() throws {
        let model = try #require(OriginalityModel.shipped)
        #expect(model.embedder == "minilm")
        #expect(model.weights.count == model.featureCount)
        let data = try Data(contentsOf: Self.fixtures.appendingPathComponent("originality-fixture.json"))
        let fixture = try JSONDecoder().decode(Fixture.self, from: data)
        #expect(fixture.ideas.count >= 3)
        for idea in fixture.ideas {
            let prediction = try #require(model.predict(features: idea.features))
            #expect(abs(prediction - idea.prediction) < 1e-9, "\(idea.text)")
        }
    }

    @Test func compiledInWeightsAreTheCommittedModelFile() throws {
        let file = try OriginalityModel.decode(Data(contentsOf: Self.repository.appendingPathComponent("models/originality-v1.json")))
        #expect(OriginalityModel.shipped == file)
    }

    @Test func featuresAreEmbeddingProductCosineAndLogLengths() {
        let e: [Float] = [0.6, 0.8, 0]
        let p: [Float] = [1, 0, 0]
        let features = OriginalityModel.features(embedding: e, prompt: p, text: "a red brick")
        #expect(features.count == 9)
        #expect(Array(features[0..<3]) == [Double(Float(0.6)), Double(Float(0.8)), 0])
        #expect(Array(features[3..<6]) == [Double(Float(0.6)), 0, 0])
        #expect(features[6] == Double(Float(0.6)))
        #expect(features[7] == log(4))
        #expect(features[8] == log(12))
    }

    @Test func predictionsAreClampedToTheRatingScale() throws {
        let model = OriginalityModel(schema: "polyphony.originality-model/1", name: "t", embedder: "x", dimension: 1, intercept: 10, weights: [0, 0, 0, 0, 0], range: [1, 5])
        #expect(model.predict(embedding: [1], prompt: [1], text: "x") == 5)
        #expect(model.predict(embedding: [1, 0], prompt: [1], text: "x") == nil)
    }

    @Test func aModelFileWithTheWrongNumberOfWeightsIsRefused() {
        let json = #"{"schema":"polyphony.originality-model/1","name":"t","embedder":"minilm","dimension":2,"intercept":0,"weights":[1],"range":[1,5]}"#
        #expect(throws: PolyphonyError.invalidInput) { try OriginalityModel.decode(Data(json.utf8)) }
    }
}
