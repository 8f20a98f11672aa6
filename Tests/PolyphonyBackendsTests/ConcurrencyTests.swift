import Foundation
import Synchronization
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// The per-backend bounds hold at the server, not just in the client's bookkeeping.
@Suite struct ConcurrencyTests {
    @Test func sixtyFourRequestsWithMaxConcurrencyEightFillEightSlotsAndNeverExceedThem() async throws {
        // The first eight requests are held at the server until all eight are in, so reaching
        // the bound is proven by the server, not inferred from timing: a client that sent
        // fewer at once would leave them held until the barrier gives up.
        let barrier = ArrivalBarrier(count: 8)
        let responder: FakeLLMServer.Responder = { prompt in
            barrier.arrive()
            return FakeLLMServer.numberedIdeas(prompt)
        }
        try await Fixtures.withServer(responder: responder) { server in
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
            #expect(barrier.wasReached)
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
        let clock = ManualClock()
        let limiter = RateLimiter(maxConcurrent: 10, requestsPerMinute: 3, clock: clock)
        let starts = Task {
            var starts: [Duration] = []
            for _ in 0..<7 { starts.append(try await limiter.withPermit { clock.now.offset }) }
            return starts
        }
        // Three per minute: the 4th start sleeps until the first minute is over, the 7th until the second.
        await clock.waitForSleepers(1)
        #expect(clock.sleeperDeadlines == [ManualClock.Instant(offset: .seconds(60))])
        clock.advance(by: .seconds(60))
        await clock.waitForSleepers(1)
        #expect(clock.sleeperDeadlines == [ManualClock.Instant(offset: .seconds(120))])
        clock.advance(by: .seconds(60))
        #expect(try await starts.value == [0, 0, 0, 60, 60, 60, 120].map { Duration.seconds($0) })
    }

    @Test func rateLimiterHoldsAStartUntilItsWindowHasFullyPassed() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(maxConcurrent: 10, requestsPerMinute: 1, clock: clock)
        try await limiter.withPermit {}
        let second = Task { try await limiter.withPermit { clock.now.offset } }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(59))
        // A sleeper still on the clock has not started its request.
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(1))
        #expect(try await second.value == .seconds(60))
    }
}
