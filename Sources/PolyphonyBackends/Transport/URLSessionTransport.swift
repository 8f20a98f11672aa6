import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The production ``HTTPTransport``: Foundation's URLSession, which is libcurl on Linux.
///
/// `URLSession.bytes(for:)` does not exist in swift-corelibs-foundation, so bodies stream
/// through a data delegate that feeds an `AsyncThrowingStream`. Each backend owns one
/// transport, so `httpMaximumConnectionsPerHost` follows that backend's `max_concurrency`.
///
/// Timeouts are enforced here rather than by URLSession, whose Linux timer counts whole
/// seconds and restarts on every byte: the first-byte deadline runs from sending until the
/// response head, the total deadline covers the whole exchange. URLSession gives no signal
/// when a connection is established, so a hanging connect is caught by the first-byte
/// deadline; ``HTTPTimeouts/connect`` is not enforced separately.
public final class URLSessionTransport: HTTPTransport {
    private let session: URLSession
    private let delegate: TransportDelegate
    private let timeouts: HTTPTimeouts

    /// Creates a transport with its own connection pool.
    /// - Parameters:
    ///   - maxConnections: Concurrent connections to one host; follow the backend's `max_concurrency`.
    ///   - timeouts: Deadlines for every request sent through this transport.
    public init(maxConnections: Int, timeouts: HTTPTimeouts) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = max(1, maxConnections)
        // URLSession's own timers must never fire before ours; ours produce the clear messages.
        let ceiling = (timeouts.connect + timeouts.firstByte + timeouts.total + 60).rounded(.up)
        configuration.timeoutIntervalForRequest = ceiling
        configuration.timeoutIntervalForResource = ceiling
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        let delegate = TransportDelegate()
        self.delegate = delegate
        self.timeouts = timeouts
        self.session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
    }

    deinit {
        session.invalidateAndCancel()
    }

    public func execute(_ request: HTTPOutgoingRequest) async throws -> HTTPStreamingResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.httpBody = request.body.isEmpty ? nil : request.body
        urlRequest.timeoutInterval = session.configuration.timeoutIntervalForRequest
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        try Task.checkCancellation()

        let task = session.dataTask(with: urlRequest)
        let id = task.taskIdentifier
        let delegate = self.delegate
        let (body, bodyContinuation) = AsyncThrowingStream<Data, any Error>.makeStream()
        bodyContinuation.onTermination = { termination in
            // The consumer went away (cancelled or dropped the stream): stop the transfer.
            if case .cancelled = termination { delegate.abort(id, because: .cancelled) }
        }
        let deadlines = [
            (timeouts.firstByte, HTTPTransportError.timedOut(phase: "first byte", seconds: timeouts.firstByte), true),
            (timeouts.total, HTTPTransportError.timedOut(phase: "total", seconds: timeouts.total), false),
        ]
        let head = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponseHead, any Error>) in
                delegate.register(id, task: task, head: continuation, body: bodyContinuation)
                for (seconds, error, untilHead) in deadlines {
                    delegate.arm(id, after: seconds, error: error, onlyBeforeHead: untilHead)
                }
                task.resume()
                if Task.isCancelled { delegate.abort(id, because: .cancelled) }
            }
        } onCancel: {
            delegate.abort(id, because: .cancelled)
        }
        return HTTPStreamingResponse(head: head, body: body)
    }
}

/// Routes URLSession callbacks for every task of one session to that task's continuations.
private final class TransportDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // @unchecked: all mutable state sits behind `exchanges`' lock.
    private struct Exchange {
        var task: URLSessionTask
        var head: CheckedContinuation<HTTPResponseHead, any Error>?
        var body: AsyncThrowingStream<Data, any Error>.Continuation
        /// Why we cancelled the task ourselves, reported instead of URLSession's generic error.
        var failure: HTTPTransportError?
    }

    private let exchanges = Mutex<[Int: Exchange]>([:])

    func register(
        _ id: Int, task: URLSessionTask, head: CheckedContinuation<HTTPResponseHead, any Error>,
        body: AsyncThrowingStream<Data, any Error>.Continuation
    ) {
        exchanges.withLock { $0[id] = Exchange(task: task, head: head, body: body) }
    }

    /// Fails the request with `error` after `seconds`, unless it finished (or, with
    /// `onlyBeforeHead`, got its response head) first.
    func arm(_ id: Int, after seconds: Double, error: HTTPTransportError, onlyBeforeHead: Bool) {
        // Task identifiers are never reused within a session, so a timer that fires after its
        // request finished finds nothing and does nothing; no need to cancel it.
        DispatchQueue.global().asyncAfter(deadline: .now() + max(0, seconds)) { [weak self] in
            guard let self else { return }
            let expired = exchanges.withLock { $0[id].map { !onlyBeforeHead || $0.head != nil } ?? false }
            if expired { abort(id, because: error) }
        }
    }

    /// Cancels the task; the completion callback then reports `reason`.
    func abort(_ id: Int, because reason: HTTPTransportError) {
        let task: URLSessionTask? = exchanges.withLock { table in
            guard var exchange = table[id] else { return nil }
            if exchange.failure == nil { exchange.failure = reason }
            table[id] = exchange
            return exchange.task
        }
        task?.cancel()
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        var headers: [String: String] = [:]
        var status = 0
        if let http = response as? HTTPURLResponse {
            status = http.statusCode
            for (name, value) in http.allHeaderFields {
                if let name = name as? String, let value = value as? String { headers[name] = value }
            }
        }
        let continuation = exchanges.withLock { table -> CheckedContinuation<HTTPResponseHead, any Error>? in
            let continuation = table[dataTask.taskIdentifier]?.head
            table[dataTask.taskIdentifier]?.head = nil
            return continuation
        }
        continuation?.resume(returning: HTTPResponseHead(status: status, headers: headers))
        completionHandler(.allow)
    }

    /// Never follows a redirect: the 3xx reaches the caller as the response, which decides
    /// (the backend follows only within `base_url`'s origin). URLSession would resend every
    /// header, the key among them, to wherever the server pointed, and drop a POST's body.
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let body = exchanges.withLock { $0[dataTask.taskIdentifier]?.body }
        body?.yield(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let exchange = exchanges.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
        let failure: HTTPTransportError? = exchange.failure ?? error.map(Self.describe)
        if let head = exchange.head {
            head.resume(throwing: failure ?? HTTPTransportError.connection("the connection closed before a response arrived"))
            exchange.body.finish()
        } else if let failure {
            exchange.body.finish(throwing: failure)
        } else {
            exchange.body.finish()
        }
    }

    /// Turns URLSession's error into words; never includes request headers.
    private static func describe(_ error: any Error) -> HTTPTransportError {
        guard let urlError = error as? URLError else {
            return .connection("transfer failed: \(String(describing: type(of: error)))")
        }
        switch urlError.code {
        case .cancelled: return .cancelled
        case .timedOut: return .connection("URLSession timed out")
        case .cannotConnectToHost: return .connection("cannot connect to host (connection refused)")
        case .cannotFindHost, .dnsLookupFailed: return .connection("cannot resolve host")
        case .networkConnectionLost: return .connection("connection lost mid-transfer")
        case .notConnectedToInternet: return .connection("not connected to a network")
        case .secureConnectionFailed: return .connection("TLS handshake failed")
        default: return .connection("transfer failed (URLError \(urlError.code.rawValue))")
        }
    }
}
