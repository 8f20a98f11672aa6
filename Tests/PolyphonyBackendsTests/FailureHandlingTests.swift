import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// Retries, fail-fast statuses, broken streams and malformed answers, against real sockets.
@Suite struct FailureHandlingTests {
    @Test func retriesA429AfterItsRetryAfterDelay() async throws {
        try await Fixtures.withServer { server in
            let clock = ManualClock()
            let backend = try Fixtures.backend(server, kind: .openai, clock: clock)
            server.inject(.rateLimited(retryAfter: "1"))
            let call = Task { try await backend.complete(Fixtures.prompt) }
            await clock.waitForSleepers(1)
            // The backoff (10 ms base) is shorter than the server asked for: Retry-After wins.
            #expect(clock.sleeperDeadlines == [ManualClock.Instant(offset: .seconds(1))])
            clock.advance(by: .milliseconds(999))
            #expect(clock.sleeperCount == 1)
            #expect(server.requestCount == 1)
            clock.advance(by: .milliseconds(1))
            let response = try await call.value
            #expect(response.attempts == 2)
            #expect(response.text == Fixtures.expectedAnswer(Fixtures.prompt, dialect: .openai))
            #expect(server.requestCount == 2)
        }
    }

    @Test func honorsARetryAfterGivenAsAnHTTPDate() async throws {
        try await Fixtures.withServer { server in
            let clock = ManualClock()
            let backend = try Fixtures.backend(server, kind: .anthropic, clock: clock)
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            // An hour ahead is far beyond the 120 s polyphony waits: a date that was read fails
            // the request at once, while an unread one would be retried after the 10 ms backoff.
            // Wall time enters only through the date, with an hour of slack for a stalled test.
            server.inject(.rateLimited(retryAfter: formatter.string(from: Date().addingTimeInterval(3600))))
            let error = await #expect(throws: PolyphonyError.self) { try await backend.complete(Fixtures.prompt) }
            #expect(error?.status == 429)
            #expect(error?.isRetryable == false)
            #expect(server.requestCount == 1)
            #expect(clock.sleeperCount == 0)
        }
    }

    @Test(arguments: Fixtures.kinds)
    func retriesA500ThenSucceeds(kind: BackendConfiguration.Kind) async throws {
        try await Fixtures.withServer { server in
            let backend = try Fixtures.backend(server, kind: kind)
            server.inject(.serverError)
            let response = try await backend.complete(Fixtures.prompt)
            #expect(response.attempts == 2)
            #expect(response.text == Fixtures.expectedAnswer(Fixtures.prompt, dialect: Fixtures.dialect(kind)))
        }
    }

    @Test func retriesAnthropicOverloaded529() async throws {
        try await Fixtures.withServer { server in
            let backend = try Fixtures.backend(server, kind: .anthropic)
            server.inject(.overloaded, times: 2)
            let (_, response) = try await Fixtures.collect(backend.stream(Fixtures.prompt))
            #expect(response?.attempts == 3)
        }
    }

    @Test(arguments: Fixtures.kinds)
    func failsFastOn401WithTheProviderText(kind: BackendConfiguration.Kind) async throws {
        try await Fixtures.withServer { server in
            var config = server.configuration(name: "paid", kind: kind, apiKeyEnvironmentVariable: "PAID_KEY", maxAttempts: 5)
            config.retryBaseDelaySeconds = 0.01
            let backend = try HTTPChatBackend(configuration: config, apiKey: "wrong")
            server.inject(.unauthorized, times: 5)
            let error = await #expect(throws: PolyphonyError.backend) { try await backend.complete(Fixtures.prompt) }
            #expect(server.requestCount == 1)
            #expect(error?.backend == "paid")
            #expect(error?.status == 401)
            #expect(error?.isRetryable == false)
            // The provider's own explanation is passed on.
            #expect(error?.message.contains("Incorrect API key provided") == true)
        }
    }

    @Test func neverRetriesAQuotaExhausted429() async throws {
        try await Fixtures.withServer { server in
            let backend = try Fixtures.backend(server, kind: .openai, maxAttempts: 5)
            server.inject(.quotaExhausted, times: 5)
            let error = await #expect(throws: PolyphonyError.backend) { try await backend.complete(Fixtures.prompt) }
            #expect(server.requestCount == 1)
            #expect(error?.status == 429)
            #expect(error?.isRetryable == false)
        }
    }

    @Test func neverRetriesA400() async throws {
        try await Fixtures.withServer { server in
            let backend = try Fixtures.backend(server, kind: .gemini, maxAttempts: 5)
            server.inject(.status(400, message: "contents: must not be empty"), times: 5)
            let error = await #expect(throws: PolyphonyError.backend) { try await backend.complete(Fixtures.prompt) }
            #expect(server.requestCount == 1)
            #expect(error?.backend == "fake-gemini")
            #expect(error?.status == 400)
            #expect(error?.isRetryable == false)
            #expect(error?.message == "contents: must not be empty")
        }
    }

    @Test func givesUpAfterMaxAttemptsNamingTheCount() async throws {
        try await Fixtures.withServer { server in
            let backend = try Fixtures.backend(server, kind: .ollama, maxAttempts: 3)
            server.inject(.serverError, times: 3)
            let error = await #expect(throws: PolyphonyError.backend) { try await backend.complete(Fixtures.prompt) }
            #expect(server.requestCount == 3)
            #expect(error?.status == 500)
        }
    }

    @Test(arguments: Fixtures.kinds)
    func retriesAStreamDroppedHalfwayWithoutDuplicatingText(kind: BackendConfiguration.Kind) async throws {
        for framing in [LoopbackResponseWriter.Framing.chunked, .closeDelimited] {
            try await Fixtures.withServer(.init(framing: framing, streamPieces: 8)) { server in
                let backend = try Fixtures.backend(server, kind: kind)
                server.inject(.dropStreamHalfway)
                let (deltas, response) = try await Fixtures.collect(backend.stream(Fixtures.prompt))
                let expected = Fixtures.expectedAnswer(Fixtures.prompt, dialect: Fixtures.dialect(kind))
                #expect(deltas.joined() == expected, "framing \(framing)")
                #expect(response?.text == expected)
                #expect(response?.attempts == 2)
            }
        }
    }

    @Test func retriesAWholeAnswerCutOffMidBody() async throws {
        try await Fixtures.withServer { server in
            let backend = try Fixtures.backend(server, kind: .openai)
            server.inject(.dropStreamHalfway)
            let response = try await backend.complete(Fixtures.prompt)
            #expect(response.attempts == 2)
        }
    }

    @Test(arguments: Fixtures.kinds, [false, true])
    func retriesAMalformed200LikeAServerError(kind: BackendConfiguration.Kind, streaming: Bool) async throws {
        try await Fixtures.withServer { server in
            let backend = try Fixtures.backend(server, kind: kind)
            server.inject(.malformedJSON)
            let response = streaming ? try await Fixtures.collect(backend.stream(Fixtures.prompt)).response : try await backend.complete(Fixtures.prompt)
            #expect(response?.attempts == 2)
            #expect(response?.text == Fixtures.expectedAnswer(Fixtures.prompt, dialect: Fixtures.dialect(kind)))
            #expect(server.requestCount == 2)
        }
    }

    @Test(arguments: Fixtures.kinds)
    func reportsMalformedJSONWithTheBodyAfterTheLastAttempt(kind: BackendConfiguration.Kind) async throws {
        try await Fixtures.withServer { server in
            let backend = try Fixtures.backend(server, kind: kind, maxAttempts: 2)
            server.inject(.malformedJSON, times: 4)
            let whole = await #expect(throws: PolyphonyError.backend) { try await backend.complete(Fixtures.prompt) }
            #expect(whole?.status == 200)
            let streamed = await #expect(throws: PolyphonyError.backend) { try await Fixtures.collect(backend.stream(Fixtures.prompt)) }
            #expect(streamed?.status == 200)
            #expect(server.requestCount == 4)
        }
    }

    @Test(arguments: [BackendConfiguration.Kind.ollama, .anthropic, .openai])
    func retriesAnErrorReportedInsideA200Stream(kind: BackendConfiguration.Kind) async throws {
        try await Fixtures.withServer { server in
            let backend = try Fixtures.backend(server, kind: kind)
            server.inject(.midStreamError(message: "model runner crashed"))
            let (deltas, response) = try await Fixtures.collect(backend.stream(Fixtures.prompt))
            #expect(response?.attempts == 2)
            #expect(deltas.joined() == response?.text)
        }
    }

    @Test func reportsAnErrorInsideA200StreamWhenAttemptsRunOut() async throws {
        try await Fixtures.withServer { server in
            let backend = try Fixtures.backend(server, kind: .ollama, maxAttempts: 1)
            server.inject(.midStreamError(message: "model runner crashed"))
            let error = await #expect(throws: PolyphonyError.backend) { try await Fixtures.collect(backend.stream(Fixtures.prompt)) }
            // The server's own words are passed on.
            #expect(error?.message.contains("model runner crashed") == true)
        }
    }

    @Test func timesOutASlowFirstByte() async throws {
        try await Fixtures.withServer { server in
            let backend = try Fixtures.backend(server, kind: .openai, maxAttempts: 1, firstByteTimeout: 0.3)
            // Without the deadline this request would succeed after 10 s.
            server.inject(.slowFirstByte(.seconds(10)))
            let error = await #expect(throws: PolyphonyError.backend) { try await backend.complete(Fixtures.prompt) }
            #expect(error?.status == nil)
            #expect(error?.isRetryable == true)
        }
    }

    @Test func retriesAfterASlowFirstByteTimeout() async throws {
        try await Fixtures.withServer { server in
            let backend = try Fixtures.backend(server, kind: .ollama, maxAttempts: 2, firstByteTimeout: 0.3)
            server.inject(.slowFirstByte(.seconds(10)))
            let (_, response) = try await Fixtures.collect(backend.stream(Fixtures.prompt))
            #expect(response?.attempts == 2)
        }
    }

    @Test func survivesARandomTwentyPercentFaultRate() async throws {
        try await Fixtures.withServer(.init(randomFaultRate: 0.2, randomFaultSeed: 7)) { server in
            let backend = try Fixtures.backend(server, kind: .openai, maxAttempts: 8)
            var attempts = 0
            for index in 0..<20 {
                var request = Fixtures.prompt
                request.seed = UInt64(index)
                let (deltas, response) = try await Fixtures.collect(backend.stream(request))
                #expect(deltas.joined() == Fixtures.expectedAnswer(request, dialect: .openai))
                attempts += response?.attempts ?? 0
            }
            #expect(attempts > 20)
            #expect(server.recordedRequests.contains { $0.fault != nil })
        }
    }

    @Test func reportsAConnectionRefusedClearly() async throws {
        let port = try await Fixtures.withServer { server in server.port }
        let config = BackendConfiguration(
            name: "gone", kind: .openai, baseURL: "http://127.0.0.1:\(port)/v1", model: "m", maxAttempts: 2, retryBaseDelaySeconds: 0.01
        )
        let backend = try HTTPChatBackend(configuration: config, apiKey: nil)
        let error = await #expect(throws: PolyphonyError.backend) { try await backend.complete(Fixtures.prompt) }
        #expect(error?.backend == "gone")
        #expect(error?.status == nil)
        #expect(error?.isRetryable == true)
    }
}
