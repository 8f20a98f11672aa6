import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// Every dialect, whole and streamed, against the fake server on 127.0.0.1.
@Suite struct DialectRoundTripTests {
    @Test(arguments: Fixtures.kinds)
    func completesAWholeAnswerWithUsageAndModel(kind: BackendConfiguration.Kind) async throws {
        try await Fixtures.withServer { server in
            let backend = try Fixtures.backend(server, kind: kind, apiKey: "k-123")
            let response = try await backend.complete(Fixtures.prompt)
            #expect(response.text == Fixtures.expectedAnswer(Fixtures.prompt, dialect: Fixtures.dialect(kind)))
            #expect(response.finishReason == .stop)
            #expect(response.model == "fake-model")
            #expect(response.usage.promptTokens ?? 0 > 0)
            #expect(response.usage.completionTokens == response.text.split(whereSeparator: \.isWhitespace).count)
            #expect(response.attempts == 1)
            #expect(response.latencyMilliseconds > 0)
        }
    }

    @Test(arguments: Fixtures.kinds)
    func streamsDeltasThatJoinToTheCompletedText(kind: BackendConfiguration.Kind) async throws {
        try await Fixtures.withServer { server in
            let backend = try Fixtures.backend(server, kind: kind, apiKey: "k-123")
            let (deltas, response) = try await Fixtures.collect(backend.stream(Fixtures.prompt))
            let expected = Fixtures.expectedAnswer(Fixtures.prompt, dialect: Fixtures.dialect(kind))
            #expect(deltas.count > 1)
            #expect(deltas.joined() == expected)
            #expect(response?.text == expected)
            #expect(response?.finishReason == .stop)
            #expect(response?.usage.completionTokens == expected.split(whereSeparator: \.isWhitespace).count)
            #expect(response?.model == "fake-model")
            #expect(server.recordedRequests.first?.prompt?.stream == true)
        }
    }

    @Test(arguments: Fixtures.kinds)
    func streamsCloseDelimitedBodies(kind: BackendConfiguration.Kind) async throws {
        try await Fixtures.withServer(.init(framing: .closeDelimited)) { server in
            let backend = try Fixtures.backend(server, kind: kind)
            let (deltas, response) = try await Fixtures.collect(backend.stream(Fixtures.prompt))
            #expect(deltas.joined() == Fixtures.expectedAnswer(Fixtures.prompt, dialect: Fixtures.dialect(kind)))
            #expect(response?.attempts == 1)
        }
    }

    @Test func openAIRequestCarriesSeedStopSchemaAndUsageOption() async throws {
        try await Fixtures.withServer { server in
            let backend = try Fixtures.backend(server, kind: .openai, apiKey: "k-123")
            var request = Fixtures.prompt
            request.stop = ["\n\n"]
            request.jsonSchema = .object(["type": .string("object")])
            _ = try await Fixtures.collect(backend.stream(request))
            let recorded = try #require(server.recordedRequests.first)
            let body = try JSONDecoder().decode(JSONValue.self, from: recorded.http.body)
            #expect(recorded.http.path == "/v1/chat/completions")
            #expect(recorded.http.header("authorization") == "Bearer k-123")
            #expect(body["seed"] == .number(42))
            #expect(body["stop"] == .array([.string("\n\n")]))
            #expect(body["stream_options"]?["include_usage"] == .bool(true))
            #expect(body["response_format"]?["type"] == .string("json_schema"))
            #expect(body["response_format"]?["json_schema"]?["schema"] == request.jsonSchema)
        }
    }

    @Test func anthropicRequestPutsSystemAtTopLevelAndAlwaysSendsMaxTokens() async throws {
        try await Fixtures.withServer { server in
            let backend = try Fixtures.backend(server, kind: .anthropic, apiKey: "k-123")
            var request = Fixtures.prompt
            request.maxTokens = nil
            _ = try await backend.complete(request)
            let recorded = try #require(server.recordedRequests.first)
            let body = try JSONDecoder().decode(JSONValue.self, from: recorded.http.body)
            #expect(recorded.http.path == "/v1/messages")
            #expect(recorded.http.header("x-api-key") == "k-123")
            #expect(recorded.http.header("anthropic-version") == AnthropicDialect.apiVersion)
            #expect(body["system"] == .string("You are a careful inventor."))
            #expect(body["max_tokens"] == .number(Double(AnthropicDialect.defaultMaxTokens)))
            #expect(body["messages"]?.arrayValue?.count == 1)
        }
    }

    @Test func ollamaRequestPutsSamplingInOptions() async throws {
        try await Fixtures.withServer { server in
            let backend = try Fixtures.backend(server, kind: .ollama)
            _ = try await backend.complete(Fixtures.prompt)
            let recorded = try #require(server.recordedRequests.first)
            let body = try JSONDecoder().decode(JSONValue.self, from: recorded.http.body)
            #expect(recorded.http.path == "/api/chat")
            #expect(body["stream"] == .bool(false))
            #expect(body["options"]?["seed"] == .number(42))
            #expect(body["options"]?["num_predict"] == .number(200))
        }
    }

    @Test func geminiRequestUsesSystemInstructionAndKeyHeader() async throws {
        try await Fixtures.withServer { server in
            let backend = try Fixtures.backend(server, kind: .gemini, apiKey: "g-123")
            _ = try await Fixtures.collect(backend.stream(Fixtures.prompt))
            let recorded = try #require(server.recordedRequests.first)
            let body = try JSONDecoder().decode(JSONValue.self, from: recorded.http.body)
            #expect(recorded.http.target == "/v1beta/models/fake-model:streamGenerateContent?alt=sse")
            #expect(recorded.http.header("x-goog-api-key") == "g-123")
            #expect(body["systemInstruction"]?["parts"]?.arrayValue?.first?["text"] == .string("You are a careful inventor."))
            #expect(body["contents"]?.arrayValue?.count == 1)
            #expect(body["generationConfig"]?["seed"] == .number(42))
        }
    }

    @Test func samplingFansOutIntoParallelRequestsWithDistinctSeeds() async throws {
        // The three samples are held at the server until all three are in: proof they run at once.
        let barrier = ArrivalBarrier(count: 3)
        let responder: FakeLLMServer.Responder = { prompt in
            barrier.arrive()
            return FakeLLMServer.numberedIdeas(prompt)
        }
        try await Fixtures.withServer(responder: responder) { server in
            let backend = try Fixtures.backend(server, kind: .openai)
            let samples = try await backend.sample(Fixtures.prompt, count: 3)
            #expect(samples.count == 3)
            #expect(server.requestCount == 3)
            let seeds = Set(server.recordedRequests.compactMap(\.prompt?.seed))
            #expect(seeds == [42, 43, 44])
            #expect(samples.map(\.text) == [UInt64(42), 43, 44].map { seed in
                var request = Fixtures.prompt
                request.seed = seed
                return Fixtures.expectedAnswer(request, dialect: .openai)
            })
            #expect(barrier.wasReached)
            #expect(server.maxInFlight == 3)
        }
    }
}
