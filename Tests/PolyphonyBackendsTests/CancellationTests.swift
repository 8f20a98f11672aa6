import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// Cancelling the Swift task must abort the HTTP request at the server.
@Suite struct CancellationTests {
    @Test(arguments: Fixtures.kinds)
    func cancellingMidStreamAbortsTheRequest(kind: BackendConfiguration.Kind) async throws {
        let options = FakeLLMServer.Options(streamChunkDelay: .milliseconds(100), streamPieces: 40)
        try await Fixtures.withServer(options) { server in
            let backend = try Fixtures.backend(server, kind: kind)
            let clock = ContinuousClock()
            let start = clock.now
            let consumer = Task {
                var deltas = 0
                for try await event in backend.stream(Fixtures.prompt) {
                    if case .delta = event { deltas += 1 }
                }
                return deltas
            }
            // Wait until the answer is streaming, then cancel.
            while server.recordedRequests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            try await Task.sleep(for: .milliseconds(250))
            consumer.cancel()
            let outcome = await consumer.result
            // The full answer would take 4 s; a cancelled one ends at once.
            #expect(clock.now - start < .seconds(2))
            if case .success(let deltas) = outcome { #expect(deltas < 40) }
            // The server notices the hang-up on its next write.
            let deadline = clock.now + .seconds(2)
            while server.clientDisconnectCount == 0, clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(server.clientDisconnectCount == 1)
            #expect(server.inFlight == 0)
            #expect(server.requestCount == 1)
        }
    }

    @Test func cancellingAWholeRequestThrowsCancelled() async throws {
        try await Fixtures.withServer(.init(latency: .seconds(3))) { server in
            let backend = try Fixtures.backend(server, kind: .openai)
            let call = Task { try await backend.complete(Fixtures.prompt) }
            while server.recordedRequests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            call.cancel()
            let result = await call.result
            guard case .failure(let error) = result else {
                Issue.record("a cancelled request returned an answer")
                return
            }
            #expect((error as? PolyphonyError)?.isCancellation == true)
        }
    }

    @Test func cancellingWhileWaitingForALimiterSlotLeavesTheQueue() async throws {
        let limiter = RateLimiter(maxConcurrent: 1)
        try await limiter.acquire()
        let waiter = Task { try await limiter.withPermit { 1 } }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        let result = await waiter.result
        #expect(throws: CancellationError.self) { try result.get() }
        await limiter.release()
        #expect(await limiter.inFlight == 0)
    }
}
