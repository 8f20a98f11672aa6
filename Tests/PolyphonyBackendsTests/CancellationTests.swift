import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// Cancelling the Swift task must abort the HTTP request at the server.
@Suite struct CancellationTests {
    @Test(arguments: Fixtures.kinds)
    func cancellingMidStreamAbortsTheRequest(kind: BackendConfiguration.Kind) async throws {
        // 3,000 pieces 100 ms apart: the whole answer takes five minutes, so only an abort ends
        // it early, however long a loaded machine keeps the consumer from running. (Deltas that
        // arrived meanwhile are still drained from the stream's buffer.)
        let options = FakeLLMServer.Options(streamChunkDelay: .milliseconds(100), streamPieces: 3000)
        try await Fixtures.withServer(options, responder: { _ in String(repeating: "word ", count: 1200) }) { server in
            let backend = try Fixtures.backend(server, kind: kind)
            // The consumer cancels its own task on the first delta, so the test does not
            // depend on another task being scheduled in time on a busy machine.
            let consumer = Task {
                var deltas = 0
                for try await event in backend.stream(Fixtures.prompt) {
                    if case .delta = event {
                        deltas += 1
                        withUnsafeCurrentTask { $0?.cancel() }
                    }
                }
                return deltas
            }
            // The stream either ends early or reports the cancellation; it never runs its course.
            switch await consumer.result {
            case .success(let deltas): #expect(deltas < 3000)
            case .failure(let error): #expect((error as? PolyphonyError)?.isCancellation == true, "\(error)")
            }
            // The server notices the hang-up on its next write; a stream that was not aborted
            // would end normally after five minutes and count no disconnect.
            while server.clientDisconnectCount == 0, server.inFlight > 0 {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(server.clientDisconnectCount == 1)
            #expect(server.requestCount == 1)
        }
    }

    @Test func cancellingAWholeRequestThrowsCancelled() async throws {
        // The answer is held until the test is over: getting an error instead proves the abort,
        // however long a loaded machine takes to deliver the cancel.
        let answerMayGo = ServerGate(timeout: .seconds(600))
        defer { answerMayGo.open() }
        let responder: FakeLLMServer.Responder = { prompt in
            answerMayGo.wait()
            return FakeLLMServer.numberedIdeas(prompt)
        }
        try await Fixtures.withServer(responder: responder) { server in
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
        // Cancel only once the waiter is queued: cancelling earlier would test the entry check instead.
        while await limiter.waiting == 0 { await Task.yield() }
        waiter.cancel()
        let result = await waiter.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(await limiter.waiting == 0)
        // The slot goes back to the pool, not to the cancelled waiter.
        await limiter.release()
        #expect(await limiter.inFlight == 0)
    }
}
