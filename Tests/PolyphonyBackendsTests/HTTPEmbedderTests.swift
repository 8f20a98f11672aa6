import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// Embeddings over OpenAI's and Ollama's endpoints, batched and in order.
@Suite struct HTTPEmbedderTests {
    @Test(arguments: [BackendConfiguration.Kind.openai, .ollama])
    func embedsABatchInOrder(kind: BackendConfiguration.Kind) async throws {
        try await Fixtures.withServer(.init(embeddingDimensions: 16)) { server in
            let config = server.configuration(name: "emb", kind: kind)
            let embedder = try HTTPEmbedder(configuration: config, apiKey: "k", batchSize: 2)
            let texts = ["quiet streets", "night buses", "street lights", "noise maps", "parks"]
            let vectors = try await embedder.embed(texts)
            #expect(vectors == texts.map { FakeLLMServer.embedding(for: $0, dimensions: 16) })
            #expect(server.requestCount == 3)
            #expect(embedder.name == "emb/fake-embed")
        }
    }

    @Test func retriesAnEmbeddingRequestAfterA503() async throws {
        try await Fixtures.withServer { server in
            let embedder = try HTTPEmbedder(configuration: server.configuration(name: "emb", kind: .openai), apiKey: nil)
            server.inject(.status(503, message: "warming up"))
            let vectors = try await embedder.embed(["a"])
            #expect(vectors.count == 1)
            #expect(server.requestCount == 2)
        }
    }

    @Test func refusesKindsWithoutAnEmbeddingEndpoint() throws {
        let config = BackendConfiguration(name: "claude", kind: .anthropic, baseURL: "https://api.anthropic.com", model: "m", embeddingModel: "x")
        #expect(throws: PolyphonyError.invalidInput) { try HTTPEmbedder(configuration: config, apiKey: nil) }
    }
}
