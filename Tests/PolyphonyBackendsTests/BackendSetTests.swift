import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import PolyphonyTranscript
import Testing

/// Agents naming the same entry share its bounds.
@Suite struct BackendSetTests {
    @Test func agentsAskingForTheSameEntryShareItsConcurrencyBound() async throws {
        // The first two requests wait at the server for each other: two at once is proven by
        // the server, and the ten that follow, each held 30 ms, would show a third at once.
        let barrier = ArrivalBarrier(count: 2)
        let responder: FakeLLMServer.Responder = { prompt in
            barrier.arrive()
            return FakeLLMServer.numberedIdeas(prompt)
        }
        try await Fixtures.withServer(.init(latency: .milliseconds(30)), responder: responder) { server in
            let file = BackendsFile(entries: [server.configuration(name: "shared", kind: .ollama, maxConcurrency: 2)], path: nil)
            let set = BackendSet(file: file, environment: [:], cacheDirectory: nil)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<12 {
                    // Each "agent" looks the backend up on its own, as the engine's participants do.
                    let backend = try set.backend(named: "shared")
                    var request = Fixtures.prompt
                    request.seed = UInt64(index)
                    group.addTask { _ = try await backend.complete(request) }
                }
                try await group.waitForAll()
            }
            #expect(server.requestCount == 12)
            #expect(barrier.wasReached)
            #expect(server.maxInFlight == 2)
        }
    }

    @Test func chatAndEmbeddingsOfOneEntryShareOneBound() async throws {
        try await Fixtures.withServer(.init(latency: .milliseconds(30))) { server in
            let file = BackendsFile(entries: [server.configuration(name: "one", kind: .openai, maxConcurrency: 1)], path: nil)
            let set = BackendSet(file: file, environment: [:], cacheDirectory: nil)
            let backend = try set.backend(named: "one")
            let embedder = try set.embedder(named: "one")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask { _ = try await backend.complete(Fixtures.prompt) }
                    group.addTask { _ = try await embedder.embed(["x"]) }
                }
                try await group.waitForAll()
            }
            #expect(server.requestCount == 8)
            #expect(server.maxInFlight == 1)
        }
    }

    @Test func anUnknownNameListsTheKnownOnes() {
        let set = BackendSet(file: BackendsFile(entries: BackendsFile.builtInEntries(environment: [:]), path: "b.yaml"), environment: [:], cacheDirectory: nil)
        let error = #expect(throws: PolyphonyError.invalidInput) { try set.backend(named: "gpt5") }
        #expect(error?.file == "b.yaml" && error?.line == nil)
        for known in ["openai", "anthropic", "gemini", "ollama", "local"] {
            #expect(error?.message.contains(known) == true, "\(known)")
        }
    }

    @Test func theDefaultCacheDirectoryFollowsXDG() {
        #expect(ResponseCache.defaultDirectory(environment: ["XDG_CACHE_HOME": "/c", "HOME": "/h"]) == "/c/polyphony/responses")
        #expect(ResponseCache.defaultDirectory(environment: ["HOME": "/h"]) == "/h/.cache/polyphony/responses")
    }

    @Test func replayLoadsOneBackendsTurnsFromATranscript() async throws {
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/t.jsonl"
        let writer = try TranscriptWriter(path: path, durable: false)
        try await writer.append(.session(SessionHeader(
            sessionId: "s", toolVersion: "test", topic: "t", protocolName: "solo", rounds: 1, participants: [], startedAt: Date()
        )))
        let asked = [ChatMessage.user("ideas please")]
        for (index, backend) in ["gpt", "claude"].enumerated() {
            try await writer.append(.turn(TurnRecord(
                index: index, round: 1, phase: "ideate", speaker: "a\(index)", kind: .agent, backend: backend,
                messagesDigest: ChatRequest.messagesDigest(asked), response: "from \(backend)"
            )))
        }
        await writer.close()
        let replay = try ReplayBackend.load(transcript: path, backend: "claude")
        #expect(replay.remaining == 1)
        #expect(try await replay.complete(ChatRequest(messages: asked)).text == "from claude")
    }
}
