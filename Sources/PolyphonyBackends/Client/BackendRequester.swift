import Foundation
import PolyphonyCore

/// One failed HTTP attempt, with the server's `Retry-After` when it sent one.
struct AttemptFailure: Error {
    var error: PolyphonyError
    var retryAfter: Double?

    init(_ error: PolyphonyError, retryAfter: Double? = nil) {
        self.error = error
        self.retryAfter = retryAfter
    }
}

/// The parts every HTTP backend shares: transport, limiter, retry loop, error wording and
/// key scrubbing. Chat backends and embedders both send through one of these.
struct BackendRequester: Sendable {
    let name: String
    let configuration: BackendConfiguration
    let transport: any HTTPTransport
    let limiter: RateLimiter
    let policy: RetryPolicy
    private let secret: SecretString?
    /// The key, for request headers only.
    var apiKey: String? { secret?.value }
    /// The entry's `base_url` without a trailing slash.
    let baseURL: String

    init(configuration: BackendConfiguration, apiKey: String?, transport: (any HTTPTransport)?, limiter: RateLimiter?) {
        self.name = configuration.name
        self.configuration = configuration
        self.secret = SecretString(apiKey)
        self.baseURL = configuration.baseURL.hasSuffix("/") ? String(configuration.baseURL.dropLast()) : configuration.baseURL
        self.transport = transport ?? URLSessionTransport(
            maxConnections: configuration.maxConcurrency,
            timeouts: HTTPTimeouts(
                connect: configuration.connectTimeoutSeconds, firstByte: configuration.firstByteTimeoutSeconds,
                total: configuration.totalTimeoutSeconds
            )
        )
        self.limiter = limiter ?? RateLimiter(maxConcurrent: configuration.maxConcurrency, requestsPerMinute: configuration.requestsPerMinute)
        self.policy = RetryPolicy(maxAttempts: configuration.maxAttempts, baseDelay: configuration.retryBaseDelaySeconds)
    }

    /// Runs `attempt` under the limiter until it succeeds, fails for good, or attempts run out.
    /// - Parameter attempt: One HTTP attempt; it throws ``AttemptFailure`` for failures the policy judges.
    /// - Returns: The attempt's result, how many attempts it took, and the failed attempts
    ///   that were retried.
    func withRetries<T: Sendable>(_ attempt: @Sendable () async throws -> T) async throws -> (T, Int, [ChatRetry]) {
        var count = 0
        var retries: [ChatRetry] = []
        while true {
            count += 1
            do {
                // Cancelled while waiting for a slot or a backoff: start nothing new.
                try Task.checkCancellation()
                let result = try await limiter.withPermit { try await attempt() }
                return (result, count, retries)
            } catch is CancellationError {
                throw PolyphonyError.cancelled("backend \(name): request cancelled")
            } catch let failure as AttemptFailure {
                let delay = try await pause(after: failure, attempt: count)
                retries.append(ChatRetry(status: failure.error.status, message: failure.error.message, delaySeconds: delay))
            }
        }
    }

    /// Sends `outgoing` once and returns a 2xx body, or throws the attempt's failure.
    func sendOnce(_ outgoing: HTTPOutgoingRequest) async throws -> (HTTPResponseHead, Data) {
        let head: HTTPResponseHead
        let body: Data
        do {
            (head, body) = try await transport.send(outgoing)
        } catch let error as HTTPTransportError {
            throw failure(error)
        }
        guard (200..<300).contains(head.status) else { throw failure(status: head, body: body) }
        return (head, body)
    }

    /// Waits before the next attempt, or throws the final error when there is none.
    /// - Returns: The seconds waited.
    private func pause(after failure: AttemptFailure, attempt: Int) async throws -> Double {
        let error = failure.error
        if error.isCancellation { throw error }
        guard error.isRetryable else { throw error }
        guard attempt < policy.maxAttempts else {
            throw PolyphonyError.backend(
                "\(error.message) (gave up after \(attempt) attempt\(attempt == 1 ? "" : "s"))",
                backend: name, status: error.status, isRetryable: true
            )
        }
        if let retryAfter = failure.retryAfter, retryAfter > policy.maxRetryAfter {
            throw PolyphonyError.backend(
                "\(error.message) (server asked to wait \(Int(retryAfter)) s, longer than the \(Int(policy.maxRetryAfter)) s polyphony waits)",
                backend: name, status: error.status
            )
        }
        let delay = policy.delay(afterAttempt: attempt, retryAfter: failure.retryAfter, unit: Double.random(in: 0..<1))
        do {
            try await Task.sleep(for: .milliseconds(Int((delay * 1000).rounded(.up))))
        } catch {
            throw PolyphonyError.cancelled("backend \(name): cancelled while waiting to retry")
        }
        return delay
    }

    func failure(_ error: HTTPTransportError) -> AttemptFailure {
        if error.isCancellation { return AttemptFailure(.cancelled("backend \(name): request cancelled")) }
        let host = URL(string: baseURL)?.host.map { " \($0)" } ?? ""
        return AttemptFailure(.backend("cannot complete the request to\(host): \(error.message)", backend: name, isRetryable: true))
    }

    func failure(status head: HTTPResponseHead, body: Data) -> AttemptFailure {
        let text = scrub(DialectSupport.errorText(body) ?? "no error text")
        let quotaExhausted = head.status == 429 && Self.isQuotaExhausted(body)
        var message = text
        if quotaExhausted {
            message = "quota exhausted, not retrying: \(text)"
        } else if head.status == 401 || head.status == 403 {
            let hint = configuration.apiKeyEnvironmentVariable.map { " (check the key in $\($0))" } ?? ""
            message = "authentication failed: \(text)\(hint)"
        }
        let retryAfter = head.header("retry-after").flatMap { RetryPolicy.parseRetryAfter($0) }
        return AttemptFailure(
            .backend(message, backend: name, status: head.status, isRetryable: RetryPolicy.isRetryable(status: head.status) && !quotaExhausted),
            retryAfter: retryAfter
        )
    }

    /// A 429 that will not clear by waiting: the account is out of credit.
    static func isQuotaExhausted(_ body: Data) -> Bool {
        let text = String(decoding: body.prefix(4096), as: UTF8.self).lowercased()
        return text.contains("insufficient_quota") || text.contains("billing") || text.contains("credit balance")
    }

    /// Removes the key from provider text: some providers echo what they were sent.
    func scrub(_ text: String) -> String {
        guard let apiKey, apiKey.count >= 4 else { return text }
        return text.replacingOccurrences(of: apiKey, with: "[redacted]")
    }

    /// Milliseconds since `start`.
    static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) * 1e-15
    }
}
