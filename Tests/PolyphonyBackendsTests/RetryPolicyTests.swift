import Foundation
import PolyphonyBackends
import Testing

/// Backoff arithmetic and Retry-After parsing.
@Suite struct RetryPolicyTests {
    @Test func backoffDoublesWithJitterWithinHalfAndFull() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: 0.5, maxDelay: 3)
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, unit: 0) == 0.25)
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, unit: 1) == 0.5)
        #expect(policy.delay(afterAttempt: 3, retryAfter: nil, unit: 1) == 2)
        #expect(policy.delay(afterAttempt: 6, retryAfter: nil, unit: 1) == 3)
    }

    @Test func retryAfterIsAFloor() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: 0.1)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 2, unit: 1) == 2)
        #expect(RetryPolicy(maxAttempts: 5, baseDelay: 8).delay(afterAttempt: 1, retryAfter: 2, unit: 1) == 8)
    }

    @Test func parsesRetryAfterSecondsAndHTTPDates() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(RetryPolicy.parseRetryAfter("3", now: now) == 3)
        #expect(RetryPolicy.parseRetryAfter(" 0.5 ", now: now) == 0.5)
        // 1_700_000_000 is Tue, 14 Nov 2023 22:13:20 GMT.
        #expect(RetryPolicy.parseRetryAfter("Tue, 14 Nov 2023 22:13:25 GMT", now: now) == 5)
        #expect(RetryPolicy.parseRetryAfter("Tue, 14 Nov 2023 22:13:00 GMT", now: now) == 0)
        #expect(RetryPolicy.parseRetryAfter("soon", now: now) == nil)
    }

    @Test(arguments: [408, 409, 429, 500, 502, 503, 504, 529])
    func retriesTransientStatuses(status: Int) {
        #expect(RetryPolicy.isRetryable(status: status))
    }

    @Test(arguments: [400, 401, 403, 404, 422])
    func neverRetriesClientErrors(status: Int) {
        #expect(!RetryPolicy.isRetryable(status: status))
    }
}
