import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// The per-backend bounds hold at the server, not just in the client's bookkeeping.
@Suite struct ConcurrencyTests {
    @Test func sixtyFourRequestsWithMaxConcurrencyEightNeverExceedEightInFlight() async throws {
        let latency = 50
        try await Fixtures.withServer(.init(latency: .milliseconds(latency))) { server in
            let backend = try Fixtures.backend(server, kind: .openai, maxConcurrency: 8)
            // Warm the connection pool so connect time does not blur the measurement.
            _ = try await backend.complete(Fixtures.prompt)
            server.resetStatistics()
            try await withThrowingTaskGroup(of: ChatResponse.self) { group in
                for index in 0..<64 {
                    var request = Fixtures.prompt
                    request.seed = UInt64(index)
                    group.addTask { try await backend.complete(request) }
                }
                for try await response in group { #expect(response.attempts == 1) }
            }
            #expect(server.requestCount == 64)
            #expect(server.maxInFlight <= 8)
            #expect(server.maxInFlight >= 6)
            // 64 / 8 waves of 50 ms keep the server busy about 400 ms; a serial client, 3.2 s.
            // Server busy time, not the client's wall clock; and half the serial time as the
            // ceiling, because the whole suite shares two cores (the benchmark measures the
            // real ratio to 400 ms).
            #expect(server.busyTime >= .milliseconds(64 / 8 * latency))
            #expect(server.busyTime < .milliseconds(64 * latency / 2))
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
