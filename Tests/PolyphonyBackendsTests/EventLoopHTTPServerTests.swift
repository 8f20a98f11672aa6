import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// The benchmark's one-thread fake server answers as the threaded one does, so what the
/// overhead benchmark measures against it is the real client path.
@Suite struct EventLoopHTTPServerTests {
    private static func withEventLoopServer<T>(
        delay: Duration = .zero, _ body: (EventLoopHTTPServer, HTTPChatBackend) async throws -> T
    ) async throws -> T {
        let service = FakeLLMService(options: .init())
        let server = try EventLoopHTTPServer(delay: delay) { request, writer in service.handle(request, writer) }
        defer { server.stop() }
        let config = BackendConfiguration(
            name: "fake-loop", kind: .openai, baseURL: server.baseURL + "/v1", model: "fake-model", maxConcurrency: 16,
            connectTimeoutSeconds: 5, firstByteTimeoutSeconds: 30, totalTimeoutSeconds: 60, maxAttempts: 1
        )
        return try await body(server, try HTTPChatBackend(configuration: config, apiKey: nil))
    }

    @Test func aStreamedAnswerFromTheEventLoopServerIsTheFakeServersAnswer() async throws {
        try await Self.withEventLoopServer { server, backend in
            let (deltas, response) = try await Fixtures.collect(backend.stream(Fixtures.prompt))
            let expected = Fixtures.expectedAnswer(Fixtures.prompt, dialect: .openai)
            #expect(deltas.joined() == expected)
            #expect(response?.text == expected)
            #expect(response?.finishReason == .stop)
            #expect(server.requestCount == 1)
        }
    }

    @Test func aWholeAnswerFromTheEventLoopServerIsTheFakeServersAnswer() async throws {
        try await Self.withEventLoopServer(delay: .milliseconds(5)) { _, backend in
            let response = try await backend.complete(Fixtures.prompt)
            #expect(response.text == Fixtures.expectedAnswer(Fixtures.prompt, dialect: .openai))
            #expect(response.attempts == 1)
        }
    }

    @Test func concurrentRequestsOnManyConnectionsEachGetTheirOwnAnswer() async throws {
        try await Self.withEventLoopServer(delay: .milliseconds(20)) { server, backend in
            let answers = try await withThrowingTaskGroup(of: (UInt64, String).self) { group in
                for seed in UInt64(0)..<48 {
                    var request = Fixtures.prompt
                    request.seed = seed
                    group.addTask { (seed, try await backend.complete(request).text) }
                }
                return try await group.reduce(into: [UInt64: String]()) { $0[$1.0] = $1.1 }
            }
            for seed in UInt64(0)..<48 {
                var request = Fixtures.prompt
                request.seed = seed
                #expect(answers[seed] == Fixtures.expectedAnswer(request, dialect: .openai))
            }
            #expect(server.requestCount == 48)
        }
    }

    @Test func anUnknownRouteGetsA404AndTheConnectionStaysUsable() async throws {
        try await Self.withEventLoopServer { server, backend in
            let transport = CurlTransport(maxConnections: 1, timeouts: HTTPTimeouts())
            let (head, _) = try await transport.send(HTTPOutgoingRequest(url: URL(string: server.baseURL + "/nowhere")!, body: Data("{}".utf8)))
            #expect(head.status == 404)
            let response = try await backend.complete(Fixtures.prompt)
            #expect(response.text == Fixtures.expectedAnswer(Fixtures.prompt, dialect: .openai))
        }
    }

    @Test func stoppingTheEventLoopServerTwiceIsHarmless() throws {
        let server = try EventLoopHTTPServer(delay: .zero) { _, writer in writer.send(status: 204) }
        server.stop()
        server.stop()
    }
}

/// Taking requests off the front of a receive buffer, as the event loop does.
@Suite struct LoopbackRequestParsingTests {
    @Test func aRequestSplitAnywhereIsIncompleteUntilItsLastBodyByte() throws {
        let bytes = Data("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello".utf8)
        for cut in 0..<bytes.count {
            var buffer = Data(bytes.prefix(cut))
            guard case .incomplete = LoopbackRequest.take(from: &buffer) else {
                Issue.record("cut at \(cut) was not incomplete")
                continue
            }
            #expect(buffer.count == cut)
        }
    }

    @Test func twoRequestsInOneBufferComeOutInOrderAndLeaveTheRest() throws {
        var buffer = Data("POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiGET /b HTTP/1.1\r\nConnection: close\r\n\r\nPOST".utf8)
        guard case .request(let first) = LoopbackRequest.take(from: &buffer), case .request(let second) = LoopbackRequest.take(from: &buffer) else {
            Issue.record("two requests expected")
            return
        }
        #expect(first.method == "POST" && first.target == "/a" && first.body == Data("hi".utf8))
        #expect(second.method == "GET" && second.target == "/b" && second.header("Connection") == "close")
        #expect(buffer == Data("POST".utf8))
    }

    @Test func aHeadWithoutARequestLineIsMalformed() {
        var buffer = Data("nonsense\r\n\r\n".utf8)
        guard case .malformed = LoopbackRequest.take(from: &buffer) else {
            Issue.record("expected malformed")
            return
        }
    }
}
