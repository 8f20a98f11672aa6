import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// A re-run answered from the cache costs no request and returns the same response.
@Suite struct ResponseCacheTests {
    @Test(arguments: [false, true])
    func aRepeatedRequestIsAnsweredFromDiskWithoutAServerCall(streaming: Bool) async throws {
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Fixtures.withServer { server in
            let config = server.configuration(name: "cached", kind: .ollama)
            let first = try makeBackend(config, environment: [:], cacheDirectory: directory)
            let original = try await answer(first, streaming: streaming)
            // A new backend object, as a new process would make.
            let second = try makeBackend(config, environment: [:], cacheDirectory: directory)
            let replayed = try await answer(second, streaming: streaming)
            #expect(server.requestCount == 1)
            #expect(original?.cached == nil)
            #expect(replayed?.cached == true)
            var unmarked = replayed
            unmarked?.cached = nil
            #expect(unmarked == original)
        }
    }

    @Test func changingTheSeedOrModelOrKindMissesTheCache() {
        let base = ResponseCache.key(for: Fixtures.prompt, kind: .openai, model: "m")
        var reseeded = Fixtures.prompt
        reseeded.seed = 43
        var warmer = Fixtures.prompt
        warmer.temperature = 0.9
        #expect(ResponseCache.key(for: Fixtures.prompt, kind: .openai, model: "m") == base)
        #expect(ResponseCache.key(for: reseeded, kind: .openai, model: "m") != base)
        #expect(ResponseCache.key(for: warmer, kind: .openai, model: "m") != base)
        #expect(ResponseCache.key(for: Fixtures.prompt, kind: .openai, model: "n") != base)
        #expect(ResponseCache.key(for: Fixtures.prompt, kind: .anthropic, model: "m") != base)
    }

    @Test func anAnswerCachedForOneModelVariantIsNotReplayedForAnother() async throws {
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Fixtures.withServer { server in
            let config = server.configuration(name: "local-like", kind: .openai)
            func backend(variant: String) throws -> CachingChatBackend {
                let base = try makeBackend(config, environment: [:], cacheDirectory: nil)
                return CachingChatBackend(base: base, kind: .local, modelVariant: variant, cache: ResponseCache(directory: directory))
            }
            _ = try await backend(variant: "sha256:old").complete(Fixtures.prompt)
            _ = try await backend(variant: "sha256:old").complete(Fixtures.prompt)
            #expect(server.requestCount == 1)
            let fresh = try await backend(variant: "sha256:new").complete(Fixtures.prompt)
            #expect(server.requestCount == 2)
            #expect(fresh.cached == nil)
        }
    }

    @Test func failuresAreNotCached() async throws {
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await Fixtures.withServer { server in
            let config = server.configuration(name: "cached", kind: .openai, maxAttempts: 1)
            let backend = try makeBackend(config, environment: [:], cacheDirectory: directory)
            server.inject(.serverError)
            await #expect(throws: PolyphonyError.backend) { try await backend.complete(Fixtures.prompt) }
            _ = try await backend.complete(Fixtures.prompt)
            #expect(server.requestCount == 2)
        }
    }

    @Test func aDamagedEntryCountsAsAMiss() throws {
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cache = ResponseCache(directory: directory)
        let key = ResponseCache.key(for: Fixtures.prompt, kind: .gemini, model: "m")
        try cache.store(ChatResponse(text: "kept"), forKey: key)
        #expect(cache.lookup(key)?.text == "kept")
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: cache.path(forKey: key)))
        #expect(cache.lookup(key) == nil)
    }

    private func answer(_ backend: any ChatBackend, streaming: Bool) async throws -> ChatResponse? {
        if streaming { return try await Fixtures.collect(backend.stream(Fixtures.prompt)).response }
        return try await backend.complete(Fixtures.prompt)
    }
}
