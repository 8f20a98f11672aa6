import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// `polyphony backends check`'s probing, against a real loopback server.
@Suite struct BackendProbeTests {
    @Test func aServerThatAnswersChatAndEmbeddingsChecksOK() async throws {
        try await Fixtures.withServer(.init(embeddingDimensions: 16)) { server in
            let entry = server.configuration(name: "fake", kind: .openai)
            let set = BackendSet(file: BackendsFile(entries: [entry], path: nil), environment: [:], cacheDirectory: nil)
            let result = await BackendProbe(set: set, environment: [:]).check(entry)
            #expect(result.ok)
            #expect(result.errors.isEmpty)
            #expect(result.chat?.model == "fake-model")
            #expect(result.embedding?.dimensions == 16)
        }
    }

    @Test func aFailedRequestIsRecordedInTheResultNotThrown() async throws {
        try await Fixtures.withServer(.init(requiredAPIKey: "secret")) { server in
            // No key in the environment: the server answers 401 to chat and embeddings alike.
            let entry = server.configuration(name: "locked", kind: .openai, maxAttempts: 1)
            let set = BackendSet(file: BackendsFile(entries: [entry], path: nil), environment: [:], cacheDirectory: nil)
            let result = await BackendProbe(set: set, environment: [:]).check(entry)
            #expect(!result.ok)
            #expect(result.chat == nil)
            #expect(result.errors.count == 2)
            #expect(result.errors.first?.hasPrefix("chat: ") == true)
            #expect(result.errors.last?.hasPrefix("embedding: ") == true)
        }
    }

    @Test func resultsComeBackInTheOrderTheEntriesWereGiven() async throws {
        try await Fixtures.withServer { server in
            let entries = ["c", "a", "b"].map { server.configuration(name: $0, kind: .anthropic) }
            let set = BackendSet(file: BackendsFile(entries: entries, path: nil), environment: [:], cacheDirectory: nil)
            let results = await BackendProbe(set: set, environment: [:]).check(entries)
            #expect(results.map(\.name) == ["c", "a", "b"])
            #expect(results.allSatisfy { $0.ok })
        }
    }
}
