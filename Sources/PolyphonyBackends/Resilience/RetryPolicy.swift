import Foundation

/// When and how long to wait before sending a failed request again.
///
/// Backoff doubles from ``baseDelay`` up to ``maxDelay`` with "equal jitter" (half fixed,
/// half random) so agents that failed together do not retry together. A server's
/// `Retry-After` is a floor, never shortened by the backoff.
public struct RetryPolicy: Sendable, Hashable {
    /// Total attempts, the first one included; 1 disables retries.
    public var maxAttempts: Int
    /// Seconds before the first retry.
    public var baseDelay: Double
    /// Upper bound on the computed backoff (not on `Retry-After`).
    public var maxDelay: Double
    /// A `Retry-After` longer than this fails the request at once instead of stalling a session.
    public var maxRetryAfter: Double

    /// Negative inputs are clamped to zero, `maxAttempts` to at least 1.
    public init(maxAttempts: Int, baseDelay: Double, maxDelay: Double = 30, maxRetryAfter: Double = 120) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = max(0, baseDelay)
        self.maxDelay = max(0, maxDelay)
        self.maxRetryAfter = maxRetryAfter
    }

    /// The statuses worth retrying: timeouts, conflicts, rate limits and server trouble.
    public static let retryableStatuses: Set<Int> = [408, 409, 429, 500, 502, 503, 504, 529]

    /// Whether a response with `status` may succeed if sent again (quota exhaustion aside).
    public static func isRetryable(status: Int) -> Bool { retryableStatuses.contains(status) }

    /// Seconds to wait after failed attempt number `attempt` (1-based).
    /// - Parameters:
    ///   - attempt: The attempt that just failed.
    ///   - retryAfter: The server's `Retry-After`, in seconds, if it sent one.
    ///   - unit: A random number in 0..<1 for the jitter.
    public func delay(afterAttempt attempt: Int, retryAfter: Double?, unit: Double) -> Double {
        let exponential = min(maxDelay, baseDelay * pow(2, Double(max(0, attempt - 1))))
        let jittered = exponential / 2 + exponential / 2 * min(max(unit, 0), 1)
        return max(jittered, retryAfter ?? 0)
    }

    /// Reads a `Retry-After` header: delta-seconds or an HTTP date.
    /// - Parameters:
    ///   - value: The header value.
    ///   - now: The current time, for HTTP dates.
    /// - Returns: Seconds from `now`, never negative; `nil` when the value is neither form.
    public static func parseRetryAfter(_ value: String, now: Date = Date()) -> Double? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed), seconds.isFinite { return max(0, seconds) }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) { return max(0, date.timeIntervalSince(now)) }
        }
        return nil
    }
}
