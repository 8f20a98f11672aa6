import Foundation

/// The production ``HTTPTransport``: libcurl's multi interface, driven by one thread per transport.
///
/// The thread sleeps in `curl_multi_poll` while requests wait for an answer, so waiting on a
/// slow model costs no CPU (URLSession on Linux kept a core half busy re-arming a watcher on
/// the writable socket). Each backend owns one transport, so the connection limit per host
/// follows that backend's `max_concurrency`; further requests wait in libcurl's queue.
///
/// All three deadlines are enforced: the connect timeout by libcurl, the first-byte deadline
/// (from sending until the response head) and the total deadline by the loop thread. Redirects
/// are never followed: a 3xx comes back as an ordinary response. No cookies are kept.
///
/// The thread ends after the transport is released and its last request has finished.
package final class CurlTransport: HTTPTransport {
    private let loop: CurlMultiLoop

    /// Creates a transport with its own connection pool and thread.
    /// - Parameters:
    ///   - maxConnections: Concurrent connections to one host; follow the backend's `max_concurrency`.
    ///   - timeouts: Deadlines for every request sent through this transport.
    package init(maxConnections: Int, timeouts: HTTPTimeouts) {
        loop = CurlMultiLoop(maxConnections: max(1, maxConnections), timeouts: timeouts)
    }

    deinit {
        loop.close()
    }

    package func execute(_ request: HTTPOutgoingRequest) async throws -> HTTPStreamingResponse {
        try Task.checkCancellation()
        let loop = self.loop
        let id = loop.nextID()
        let (body, bodyContinuation) = AsyncThrowingStream<Data, any Error>.makeStream()
        bodyContinuation.onTermination = { termination in
            // The consumer went away (cancelled or dropped the stream): stop the transfer.
            if case .cancelled = termination { loop.abort(id, because: .cancelled) }
        }
        let head = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponseHead, any Error>) in
                loop.start(CurlExchange(id: id, request: request, head: continuation, body: bodyContinuation))
                // A cancellation that came before the start was posted found nothing to abort.
                if Task.isCancelled { loop.abort(id, because: .cancelled) }
            }
        } onCancel: {
            loop.abort(id, because: .cancelled)
        }
        return HTTPStreamingResponse(head: head, body: body)
    }
}
