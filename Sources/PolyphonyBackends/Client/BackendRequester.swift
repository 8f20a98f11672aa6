import Foundation
import Logging
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
    /// What backoff waits sleep on.
    let clock: any Clock<Duration>
    private let secret: SecretString?
    /// The key, for request headers only.
    var apiKey: String? { secret?.value }
    /// The entry's `base_url` without a trailing slash.
    let baseURL: String
    /// Says what the retry loop does (failed attempts, backoff, waits for a slot); every line names the backend.
    let logger: Logger

    init(
        configuration: BackendConfiguration, apiKey: String?, transport: (any HTTPTransport)?, limiter: RateLimiter?,
        clock: any Clock<Duration>, logger: Logger
    ) {
        self.name = configuration.name
        self.clock = clock
        var logger = logger
        logger[metadataKey: "backend"] = "\(configuration.name)"
        self.logger = logger
        self.configuration = configuration
        self.secret = SecretString(apiKey)
        self.baseURL = configuration.baseURL.hasSuffix("/") ? String(configuration.baseURL.dropLast()) : configuration.baseURL
        self.transport = transport ?? CurlTransport(
            maxConnections: configuration.maxConcurrency,
            timeouts: HTTPTimeouts(
                connect: configuration.connectTimeoutSeconds, firstByte: configuration.firstByteTimeoutSeconds,
                total: configuration.totalTimeoutSeconds
            )
        )
        self.limiter = limiter ?? RateLimiter(
            maxConcurrent: configuration.maxConcurrency, requestsPerMinute: configuration.requestsPerMinute, clock: clock
        )
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
                let queued = ContinuousClock.now
                let result = try await limiter.withPermit { [count] in
                    logWait(since: queued, attempt: count)
                    return try await attempt()
                }
                return (result, count, retries)
            } catch is CancellationError {
                throw PolyphonyError.cancelled("backend \(name): request cancelled")
            } catch let failure as AttemptFailure {
                if !failure.error.isCancellation {
                    logger.info("attempt failed: \(failure.error.message)", metadata: Self.metadata(failure, attempt: count))
                }
                let delay = try await pause(after: failure, attempt: count)
                retries.append(ChatRetry(status: failure.error.status, message: failure.error.message, delaySeconds: delay))
            }
        }
    }

    /// Sends `outgoing` once and returns a 2xx body, or throws the attempt's failure.
    func sendOnce(_ outgoing: HTTPOutgoingRequest) async throws -> (HTTPResponseHead, Data) {
        let response = try await execute(outgoing)
        // An error body is kept only for its message: a wrong base_url pointing at a large or
        // endless download must not fill memory until the total deadline.
        let succeeded = (200..<300).contains(response.head.status)
        var body = Data()
        do {
            for try await piece in response.body {
                body.append(piece)
                if !succeeded, body.count >= 65_536 { break }
            }
        } catch let error as HTTPTransportError {
            throw failure(error)
        }
        guard (200..<300).contains(response.head.status) else { throw failure(status: response.head, body: body) }
        return (response.head, body)
    }

    /// Sends `outgoing` and returns once the final response head has arrived.
    ///
    /// Requests carry the key, so they go to `base_url`'s origin (scheme, host and port) and
    /// nowhere else. A redirect within that origin is followed with the method, headers and
    /// body unchanged, at most ``maxRedirects`` times; a redirect to any other origin is
    /// refused before anything is sent there.
    /// - Throws: ``AttemptFailure`` for transport failures and refused redirects.
    func execute(_ outgoing: HTTPOutgoingRequest) async throws -> HTTPStreamingResponse {
        var request = outgoing
        var hops = 0
        while true {
            guard let allowed = origin else {
                throw AttemptFailure(.backend("base_url is not a valid http(s) URL: \(baseURL)", backend: name))
            }
            guard Origin(request.url) == allowed else {
                throw AttemptFailure(.backend(
                    "refusing to send a request to \(Origin(request.url)?.description ?? request.url.absoluteString), which is not base_url's origin",
                    backend: name
                ))
            }
            let response: HTTPStreamingResponse
            do {
                response = try await transport.execute(request)
            } catch let error as HTTPTransportError {
                throw failure(error)
            }
            guard Self.redirectStatuses.contains(response.head.status), let location = response.head.header("location") else {
                return response
            }
            await Self.discard(response.body)
            guard let target = URL(string: location, relativeTo: request.url)?.absoluteURL, let targetOrigin = Origin(target) else {
                throw AttemptFailure(.backend(
                    "the server redirected to an address that is not a valid http(s) URL: \(scrub(String(location.prefix(200))))",
                    backend: name, status: response.head.status
                ))
            }
            guard targetOrigin == allowed else {
                throw AttemptFailure(.backend(
                    "the server redirected to \(targetOrigin), another origin than base_url (\(allowed)); not followed, so the key stays with its origin — set base_url to the server's final address",
                    backend: name, status: response.head.status
                ))
            }
            hops += 1
            guard hops <= Self.maxRedirects else {
                throw AttemptFailure(.backend(
                    "more than \(Self.maxRedirects) redirects within \(allowed); set base_url to the server's final address",
                    backend: name, status: response.head.status
                ))
            }
            request.url = target
        }
    }

    /// Redirects followed within one origin before giving up.
    static let maxRedirects = 5
    private static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]

    /// The origin requests may go to: `base_url`'s.
    var origin: Origin? { URL(string: baseURL).flatMap(Origin.init) }

    /// Reads and drops a redirect's small body so its connection can be reused.
    private static func discard(_ body: AsyncThrowingStream<Data, any Error>) async {
        var received = 0
        do {
            for try await piece in body {
                received += piece.count
                if received > 65_536 { return }
            }
        } catch {
            // The redirect's body carries nothing we need.
        }
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
        logger.info("retrying after a backoff", metadata: ["attempt": "\(attempt + 1)", "delay_s": "\(Self.seconds(delay))"])
        do {
            try await clock.sleep(for: .milliseconds(Int((delay * 1000).rounded(.up))))
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
            // The variable's name is not said here: this message becomes a transcript's end
            // reason, and the transcript format promises no field names it.
            let hint = configuration.apiKeyEnvironmentVariable == nil ? "" : " (check the key in the variable that api_key_env names)"
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
        guard let apiKey else { return text }
        return KeyRedactor(key: apiKey).redact(text)
    }

    /// Logs, at debug, a wait of a millisecond or more for the limiter's slot (`max_concurrency`, `requests_per_minute`).
    private func logWait(since queued: ContinuousClock.Instant, attempt: Int) {
        let waited = Self.milliseconds(since: queued)
        guard waited >= 1 else { return }
        logger.debug("waited for a request slot", metadata: ["attempt": "\(attempt)", "waited_s": "\(Self.seconds(waited / 1000))"])
    }

    /// What a log line says about a failed attempt.
    private static func metadata(_ failure: AttemptFailure, attempt: Int) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["attempt": "\(attempt)", "retryable": "\(failure.error.isRetryable)"]
        if let status = failure.error.status { metadata["status"] = "\(status)" }
        if let retryAfter = failure.retryAfter { metadata["retry_after_s"] = "\(seconds(retryAfter))" }
        return metadata
    }

    /// Seconds with millisecond precision, for log lines.
    private static func seconds(_ value: Double) -> String {
        String(format: "%.3f", value)
    }

    /// Milliseconds since `start`.
    static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) * 1e-15
    }
}
