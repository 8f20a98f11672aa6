import Foundation
import Synchronization
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// The per-backend bounds hold at the server, not just in the client's bookkeeping.
@Suite struct ConcurrencyTests {
    @Test func sixtyFourRequestsWithMaxConcurrencyEightFillEightSlotsAndNeverExceedThem() async throws {
        // The first eight requests are held at the server until eight are in flight at once,
        // so reaching the bound is proven by the server, not inferred from timing: a client
        // that sent fewer at once would leave them waiting until the ten-second deadline.
        let held = Mutex(0)
        let box = Mutex<FakeLLMServer?>(nil)
        let reachedEight = Mutex(false)
        let responder: FakeLLMServer.Responder = { prompt in
            let index = held.withLock { count in
                defer { count += 1 }
                return count
            }
            if index < 8 {
                let deadline = ContinuousClock.now + .seconds(10)
                // Once any holder has seen eight in flight, every holder lets go.
                while ContinuousClock.now < deadline, !reachedEight.withLock({ $0 }) {
                    if (box.withLock { $0?.inFlight ?? 0 }) >= 8 { reachedEight.withLock { $0 = true } }
                    Thread.sleep(forTimeInterval: 0.001)
                }
            }
            return FakeLLMServer.numberedIdeas(prompt)
        }
        try await Fixtures.withServer(responder: responder) { server in
            box.withLock { $0 = server }
            let backend = try Fixtures.backend(server, kind: .openai, maxConcurrency: 8)
            try await withThrowingTaskGroup(of: ChatResponse.self) { group in
                for index in 0..<64 {
                    var request = Fixtures.prompt
                    request.seed = UInt64(index)
                    group.addTask { try await backend.complete(request) }
                }
                for try await response in group { #expect(response.attempts == 1) }
            }
            #expect(server.requestCount == 64)
            #expect(reachedEight.withLock { $0 })
            #expect(server.maxInFlight == 8)
        }
    }

    @Test func streamsShareTheSameConcurrencyBound() async throws {
        try await Fixtures.withServer(.init(latency: .milliseconds(20))) { server in
            let backend = try Fixtures.backend(server, kind: .anthropic, maxConcurrency: 3)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<12 {
                    group.addTask { _ = try await Fixtures.collect(backend.stream(Fixtures.prompt)) }
                }
                try await group.waitForAll()
            }
            #expect(server.maxInFlight <= 3)
            #expect(server.requestCount == 12)
        }
    }

    @Test func rateLimiterSpacesStartsToTheRequestsPerWindow() async throws {
        let limiter = RateLimiter(maxConcurrent: 10, requestsPerMinute: 3, window: .milliseconds(300))
        let clock = ContinuousClock()
        let start = clock.now
        var starts: [Duration] = []
        for _ in 0..<7 {
            try await limiter.withPermit { () }
            starts.append(clock.now - start)
        }
        // Three per window: starts 4-6 wait one window, the 7th two.
        #expect(starts[3] >= .milliseconds(290))
        #expect(starts[6] >= .milliseconds(590))
    }
}
