internal import CCurl
import Foundation
import Synchronization

/// One libcurl multi handle and the thread that drives it.
///
/// The thread sleeps in `curl_multi_poll` until a socket has something for libcurl, one of
/// libcurl's own timers (the connect timeout) is due, or another thread posts work and calls
/// `curl_multi_wakeup`. It never polls on a timer, so a request waiting for a slow model costs
/// no CPU. The first-byte and total deadlines are not kept here: ``CurlTransport`` sleeps on
/// its injected clock and posts an abort when one passes.
///
/// Only the loop thread touches easy handles and transfers; other threads talk to it through
/// the inbox. The thread ends once ``close()`` was called and every transfer has finished,
/// then frees the multi handle.
final class CurlMultiLoop: Sendable {
    private struct Inbox {
        var nextID = 0
        var starts: [CurlExchange] = []
        var aborts: [Abort] = []
        var closing = false
        /// The thread has left its loop; the multi handle is gone or about to be.
        var finished = false
    }

    /// The multi handle. `curl_multi_wakeup` may be called from any thread; every other use
    /// is on the loop thread.
    private struct Multi: @unchecked Sendable {
        let handle: UnsafeMutableRawPointer
    }

    /// A request to stop a transfer; a first-byte deadline applies only while the head is awaited.
    private struct Abort {
        var id: Int
        var reason: HTTPTransportError
        var onlyBeforeHead: Bool
    }

    private let inbox = Mutex(Inbox())
    private let multi: Multi?
    private let timeouts: HTTPTimeouts

    /// Creates the multi handle and starts its thread.
    /// - Parameters:
    ///   - maxConnections: Connections to one host at once; more requests wait in libcurl's queue.
    ///   - timeouts: The connect timeout, which libcurl keeps; the others are the caller's.
    init(maxConnections: Int, timeouts: HTTPTimeouts) {
        self.timeouts = timeouts
        guard ccurl_global_init_once() == CURLE_OK, let handle = curl_multi_init() else {
            multi = nil
            inbox.withLock { $0.finished = true }
            return
        }
        ccurl_multi_set_long(handle, CURLMOPT_MAX_HOST_CONNECTIONS, maxConnections)
        ccurl_multi_set_long(handle, CURLMOPT_MAXCONNECTS, max(4, maxConnections))
        let multi = Multi(handle: handle)
        self.multi = multi
        let thread = Thread { [self] in
            // Named from inside: on Linux, Foundation's Thread.name does not reliably reach the OS thread.
            ccurl_name_current_thread("polyphony-curl")
            run(multi.handle)
        }
        thread.start()
    }

    /// A fresh identifier for ``start(_:)`` and ``abort(_:because:)``.
    func nextID() -> Int {
        inbox.withLock { state in
            state.nextID += 1
            return state.nextID
        }
    }

    /// Hands `exchange` to the loop thread, which sends it.
    func start(_ exchange: CurlExchange) {
        let accepted = inbox.withLock { state -> Bool in
            guard !state.finished, let multi else { return false }
            state.starts.append(exchange)
            curl_multi_wakeup(multi.handle)
            return true
        }
        if !accepted {
            exchange.head.resume(throwing: HTTPTransportError.connection("the HTTP transport has shut down"))
            exchange.body.finish()
        }
    }

    /// Stops request `id` and reports `reason` for it; does nothing once it has finished.
    /// - Parameter onlyBeforeHead: Stop it only if its response head has not arrived yet.
    func abort(_ id: Int, because reason: HTTPTransportError, onlyBeforeHead: Bool = false) {
        inbox.withLock { state in
            guard !state.finished, let multi else { return }
            state.aborts.append(Abort(id: id, reason: reason, onlyBeforeHead: onlyBeforeHead))
            curl_multi_wakeup(multi.handle)
        }
    }

    /// Lets the thread end once the requests in flight have finished. Idempotent.
    func close() {
        inbox.withLock { state in
            guard !state.finished, let multi else { return }
            state.closing = true
            curl_multi_wakeup(multi.handle)
        }
    }

    // MARK: - The loop thread

    private func run(_ multi: UnsafeMutableRawPointer) {
        var transfers: [Int: CurlTransfer] = [:]
        var idsByHandle: [UnsafeMutableRawPointer: Int] = [:]

        func detach(_ id: Int) -> CurlTransfer? {
            guard let transfer = transfers.removeValue(forKey: id) else { return nil }
            idsByHandle[transfer.easy] = nil
            curl_multi_remove_handle(multi, transfer.easy)
            return transfer
        }

        while true {
            let idle = transfers.isEmpty
            let work = inbox.withLock { state -> (starts: [CurlExchange], aborts: [Abort])? in
                if state.closing, idle, state.starts.isEmpty {
                    state.finished = true
                    return nil
                }
                defer {
                    state.starts.removeAll()
                    state.aborts.removeAll()
                }
                return (state.starts, state.aborts)
            }
            guard let work else { break }

            for exchange in work.starts {
                guard let transfer = CurlTransfer(exchange, timeouts: timeouts) else { continue }
                guard curl_multi_add_handle(multi, transfer.easy) == CURLM_OK else {
                    transfer.fail(.connection("libcurl could not start the request"))
                    transfer.cleanUp()
                    continue
                }
                transfers[transfer.id] = transfer
                idsByHandle[transfer.easy] = transfer.id
            }
            for abort in work.aborts {
                // Finished already, or never started; or the head came before its deadline.
                guard let transfer = transfers[abort.id], !abort.onlyBeforeHead || transfer.isWaitingForHead else { continue }
                _ = detach(abort.id)
                transfer.fail(abort.reason)
                transfer.cleanUp()
            }

            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var easy: UnsafeMutableRawPointer?
            var result = CURLE_OK
            while ccurl_multi_next_done(multi, &easy, &result) == 1 {
                guard let easy, let id = idsByHandle[easy], let transfer = detach(id) else { continue }
                transfer.complete(result)
                transfer.cleanUp()
            }

            // libcurl shortens the wait to its own next timer; a posted start or abort wakes it.
            curl_multi_poll(multi, nil, 0, Self.hour, nil)
        }
        curl_multi_cleanup(multi)
    }

    /// The longest single wait in `curl_multi_poll`, in milliseconds.
    private static let hour: Int32 = 3_600_000
}
