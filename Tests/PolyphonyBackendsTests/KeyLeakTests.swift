import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import PolyphonyTranscript
import Testing

/// The key reaches the server and nothing else: no transcript, cache file, log line or error.
@Suite struct KeyLeakTests {
    @Test func noFileTheTestsWroteContainsTheAPIKey() async throws {
        let key = "sk-polyphony-leak-probe-7f3a9c2e51d84b06"
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var log = ""
        try await Fixtures.withServer(.init(requiredAPIKey: key)) { server in
            let environment = ["LEAK_KEY": key]
            let writer = try TranscriptWriter(path: directory + "/session.jsonl", durable: false)
            try await writer.append(.session(SessionHeader(
                sessionId: "leak", toolVersion: "test", topic: "t", protocolName: "brainwriting", rounds: 1,
                participants: [], startedAt: Date()
            )))
            var turnIndex = 0
            for kind in Fixtures.kinds {
                let config = server.configuration(name: "leak-\(kind.rawValue)", kind: kind, apiKeyEnvironmentVariable: "LEAK_KEY")
                let backend = try makeBackend(config, environment: environment, cacheDirectory: directory + "/cache")
                log += "using \(backend)\n"
                var dumped = ""
                dump(backend, to: &dumped)
                log += dumped
                let whole = try await backend.complete(Fixtures.prompt)
                let (_, streamed) = try await Fixtures.collect(backend.stream(ChatRequest(messages: [.user("stream \(kind)")], seed: 1)))
                for response in [whole, streamed].compactMap({ $0 }) {
                    try await writer.append(.turn(TurnRecord(
                        index: turnIndex, round: 1, phase: "ideate", speaker: "a", kind: .agent, backend: backend.name,
                        model: response.model, messages: Fixtures.prompt.messages, messagesDigest: ChatRequest.messagesDigest(Fixtures.prompt.messages),
                        response: response.text, finishReason: response.finishReason, usage: response.usage,
                        latencyMs: response.latencyMilliseconds, attempts: response.attempts
                    )))
                    turnIndex += 1
                }
                // Failures, including a provider that echoes what it was sent.
                server.inject(.unauthorized)
                server.inject(.status(400, message: "bad key \(key) rejected"))
                for _ in 0..<2 {
                    var request = Fixtures.prompt
                    request.seed = UInt64(100 + turnIndex)
                    turnIndex += 1
                    do {
                        _ = try await backend.complete(request)
                        Issue.record("a faulted request succeeded")
                    } catch {
                        log += "error: \(error)\n"
                        log += "error: \(String(reflecting: error))\n"
                    }
                }
                if kind == .openai || kind == .ollama {
                    let embedder = try makeEmbedder(config, environment: environment)
                    _ = try await embedder.embed(["a"])
                    log += "embedder \(embedder.name)\n"
                }
            }
            await writer.close()
            // The key was really used: every chat and embedding request carried it.
            #expect(server.recordedRequests.allSatisfy { request in request.http.headers.values.contains { $0.contains(key) } })
        }
        try log.write(toFile: directory + "/run.log", atomically: true, encoding: .utf8)

        var files: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = directory + "/" + relative
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue { files.append(path) }
        }
        #expect(files.contains { $0.hasSuffix(".jsonl") })
        #expect(files.contains { $0.contains("/cache/") })
        #expect(files.contains { $0.hasSuffix("run.log") })
        #expect(log.contains("[redacted]"))
        for path in files {
            let contents = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(contents.range(of: Data(key.utf8)) == nil, "\(path) contains the API key")
        }
    }

    @Test(arguments: Fixtures.kinds)
    func everyFragmentOfAnEchoedKeyIsRedacted(kind: BackendConfiguration.Kind) async throws {
        let key = "sk-proj-echo-4c8d2e7f9a1b3c5d6e0f"
        try await Fixtures.withServer { server in
            let config = server.configuration(name: "echo", kind: kind, apiKeyEnvironmentVariable: "ECHO_KEY", maxAttempts: 1)
            let backend = try makeBackend(config, environment: ["ECHO_KEY": key], cacheDirectory: nil)
            let echoed = "twice \(key) and \(key); cut \(key.prefix(14))…; masked \(key.prefix(9))****\(key.suffix(9))"
            server.inject(.status(400, message: echoed))
            let error = await #expect(throws: PolyphonyError.backend) { try await backend.complete(Fixtures.prompt) }
            let description = error?.description ?? ""
            #expect(description.contains("[redacted]"))
            let bytes = Array(key.utf8)
            for start in 0...(bytes.count - 8) {
                let fragment = String(decoding: bytes[start..<start + 8], as: UTF8.self)
                #expect(!description.contains(fragment), "fragment \(fragment) of the key is in: \(description)")
            }
        }
    }

    @Test func anAuthenticationFailureDoesNotNameTheKeyVariable() async throws {
        try await Fixtures.withServer(.init(requiredAPIKey: "the-right-key-0000")) { server in
            let config = server.configuration(name: "auth", kind: .openai, apiKeyEnvironmentVariable: "MY_SECRET_KEY_VARIABLE")
            let backend = try makeBackend(config, environment: ["MY_SECRET_KEY_VARIABLE": "a-wrong-key-1111"], cacheDirectory: nil)
            let error = await #expect(throws: PolyphonyError.backend) { try await backend.complete(Fixtures.prompt) }
            #expect(error?.status == 401)
            #expect(error?.description.contains("MY_SECRET_KEY_VARIABLE") == false)
        }
    }
}
