internal import CCurl
import Foundation
import Synchronization

/// One libcurl multi handle and the thread that drives it.
///
/// The thread sleeps in `curl_multi_poll` until a socket has something for libcurl, the
/// nearest deadline passes, or another thread posts work and calls `curl_multi_wakeup`. It
/// never polls on a timer, so a request waiting for a slow model costs no CPU.
///
/// Only the loop thread touches easy handles and transfers; other threads talk to it through
/// the inbox. The thread ends once ``close()`` was called and every transfer has finished,
/// then frees the multi handle.
final class CurlMultiLoop: Sendable {
    private struct Inbox {
        var nextID = 0
        var starts: [CurlExchange] = []
        var aborts: [(id: Int, reason: HTTPTransportError)] = []
        var closing = false
        /// The thread has left its loop; the multi handle is gone or about to be.
        var finished = false
    }

    /// The multi handle. `curl_multi_wakeup` may be called from any thread; every other use
    /// is on the loop thread.
    private struct Multi: @unchecked Sendable {
        let handle: UnsafeMutableRawPointer
    }

    private let inbox = Mutex(Inbox())
    private let multi: Multi?
    private let timeouts: HTTPTimeouts

    /// Creates the multi handle and starts its thread.
    /// - Parameters:
    ///   - maxConnections: Connections to one host at once; more requests wait in libcurl's queue.
    ///   - timeouts: Deadlines for every request.
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
    func abort(_ id: Int, because reason: HTTPTransportError) {
        inbox.withLock { state in
            guard !state.finished, let multi else { return }
            state.aborts.append((id, reason))
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
            let work = inbox.withLock { state -> (starts: [CurlExchange], aborts: [(id: Int, reason: HTTPTransportError)])? in
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

            let now = ContinuousClock.now
            for exchange in work.starts {
                guard let transfer = CurlTransfer(exchange, timeouts: timeouts, now: now) else { continue }
                guard curl_multi_add_handle(multi, transfer.easy) == CURLM_OK else {
                    transfer.fail(.connection("libcurl could not start the request"))
                    transfer.cleanUp()
                    continue
                }
                transfers[transfer.id] = transfer
                idsByHandle[transfer.easy] = transfer.id
            }
            for (id, reason) in work.aborts {
                guard let transfer = detach(id) else { continue }  // finished already, or never started
                transfer.fail(reason)
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

            let checked = ContinuousClock.now
            var nearest: ContinuousClock.Instant?
            for transfer in Array(transfers.values) {
                if let error = transfer.expired(at: checked) {
                    _ = detach(transfer.id)
                    transfer.fail(error)
                    transfer.cleanUp()
                } else {
                    nearest = min(nearest ?? transfer.nextDeadline, transfer.nextDeadline)
                }
            }
            // libcurl shortens the wait to its own next timer; ours is the nearest deadline.
            curl_multi_poll(multi, nil, 0, Self.pollTimeout(until: nearest, from: checked), nil)
        }
        curl_multi_cleanup(multi)
    }

    /// Milliseconds to sleep: until `deadline` rounded up (so the loop never wakes early and
    /// spins), or an hour when nothing is waiting.
    private static func pollTimeout(until deadline: ContinuousClock.Instant?, from now: ContinuousClock.Instant) -> Int32 {
        let hour: Int32 = 3_600_000
        guard let deadline else { return hour }
        let left = now.duration(to: deadline)
        guard left > .zero else { return 0 }
        let milliseconds = left.components.seconds * 1000 + (left.components.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(min(Int64(hour), milliseconds))
    }
}
