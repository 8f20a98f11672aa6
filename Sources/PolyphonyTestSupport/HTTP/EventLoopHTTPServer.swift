import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A loopback HTTP/1.1 server that runs on one thread: non-blocking sockets, one `poll` loop,
/// and a timer per request for its latency. For benchmarks, where ``LoopbackHTTPServer``'s
/// thread per connection costs the machine more than the client being measured.
///
/// The handler runs on the loop thread as soon as a request has arrived and must not block:
/// it writes into a collecting ``LoopbackResponseWriter``, and the loop sends those bytes
/// `delay` after the request arrived, all at once. Streams therefore arrive whole (no pause between frames), and
/// faults that act on a live connection have no effect. Statistics mean what they mean on
/// ``LoopbackHTTPServer``: a request is in flight from its last byte read to its last byte sent.
package final class EventLoopHTTPServer: Sendable {
    /// Answers one request into a collecting writer; called on the loop thread.
    package typealias Handler = @Sendable (LoopbackRequest, LoopbackResponseWriter) -> Void

    /// The TCP port the server listens on.
    package let port: Int
    private let gauges = EventLoopGauges()
    /// Written to once by ``stop()`` to wake the loop and end it.
    private let wakeWrite: Int32
    private let loopDone = DispatchSemaphore(value: 0)
    private let stopped = Mutex(false)

    /// Starts listening on 127.0.0.1 at a free port, and the loop thread.
    /// - Parameters:
    ///   - delay: How long after a request arrives its answer is sent (the latency).
    ///   - handler: Called once per request.
    /// - Throws: ``LoopbackServerError`` when a socket or pipe cannot be set up.
    package init(delay: Duration, handler: @escaping Handler) throws {
        let (listener, port) = try LoopbackHTTPServer.listenOnLoopback()
        EventLoopHTTPServer.makeNonBlocking(listener)
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            close(listener)
            throw LoopbackServerError("pipe() failed: errno \(errno)")
        }
        Self.makeNonBlocking(ends[0])
        self.port = port
        wakeWrite = ends[1]
        let loop = EventLoop(listener: listener, wake: ends[0], delay: delay, handler: handler, gauges: gauges)
        let done = loopDone
        let thread = Thread {
            loop.run()
            done.signal()
        }
        thread.name = "event-loop-\(port)"
        thread.start()
    }

    deinit {
        stop()
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    package var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The most requests that were ever in flight at once since start or ``resetStatistics()``.
    package var maxInFlight: Int { gauges.state.withLock { $0.maxInFlight } }
    /// Requests received since start or ``resetStatistics()``.
    package var requestCount: Int { gauges.state.withLock { $0.requests } }
    /// How long at least one request was in flight since start or ``resetStatistics()``.
    package var busyTime: Duration {
        gauges.state.withLock { state in state.busy + (state.busySince.map { ContinuousClock.now - $0 } ?? .zero) }
    }

    /// Zeroes the request counter, the busy time and the in-flight maximum.
    package func resetStatistics() {
        gauges.state.withLock {
            $0.maxInFlight = $0.inFlight
            $0.requests = 0
            $0.busy = .zero
            $0.busySince = $0.inFlight > 0 ? ContinuousClock.now : nil
        }
    }

    /// Ends the loop, closing every connection, and waits for it. Idempotent.
    package func stop() {
        let first = stopped.withLock { wasStopped in
            defer { wasStopped = true }
            return !wasStopped
        }
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        loopDone.wait()
        close(wakeWrite)
    }

    fileprivate static func makeNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }
}

/// Counters shared by the loop thread and readers of the statistics.
private final class EventLoopGauges: Sendable {
    struct State {
        var inFlight = 0
        var maxInFlight = 0
        var requests = 0
        var busy: Duration = .zero
        var busySince: ContinuousClock.Instant?
    }

    let state = Mutex(State())

    func arrived(count: Int, at now: ContinuousClock.Instant) {
        guard count > 0 else { return }
        state.withLock {
            $0.requests += count
            $0.inFlight += count
            $0.maxInFlight = max($0.maxInFlight, $0.inFlight)
            if $0.inFlight == count { $0.busySince = now }
        }
    }

    func answered(count: Int, at now: ContinuousClock.Instant) {
        guard count > 0 else { return }
        state.withLock {
            $0.inFlight -= count
            if $0.inFlight == 0, let since = $0.busySince {
                $0.busy += now - since
                $0.busySince = nil
            }
        }
    }
}

/// The loop itself; only the loop thread touches it.
private final class EventLoop: @unchecked Sendable {
    private struct Connection {
        /// Tells this connection from an earlier one that had the same descriptor.
        var id: UInt64
        var received = Data()
        /// Answers due to go out, oldest first; `keepAlive` false closes the connection after that answer.
        var outgoing: [(bytes: Data, keepAlive: Bool)] = []
        /// Bytes of `outgoing[0]` already sent.
        var sent = 0
        /// Requests read whose answers are not fully sent yet (waiting on a timer or in `outgoing`).
        var pending = 0
        /// The client closed its side; the connection goes once nothing is pending.
        var readClosed = false
    }

    private struct Timer {
        var due: ContinuousClock.Instant
        var socket: Int32
        var connection: UInt64
        var bytes: Data
        var keepAlive: Bool
    }

    private let listener: Int32
    private let wake: Int32
    private let delay: Duration
    private let handler: EventLoopHTTPServer.Handler
    private let gauges: EventLoopGauges
    private var connections: [Int32: Connection] = [:]
    /// Ordered by due time: every request waits the same delay, so arrival order is due order.
    private var timers: [Timer] = []
    private var firstTimer = 0
    private var nextConnectionID: UInt64 = 0
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    init(listener: Int32, wake: Int32, delay: Duration, handler: @escaping EventLoopHTTPServer.Handler, gauges: EventLoopGauges) {
        self.listener = listener
        self.wake = wake
        self.delay = delay
        self.handler = handler
        self.gauges = gauges
    }

    func run() {
        defer {
            for socket in connections.keys { close(socket) }
            close(listener)
            close(wake)
        }
        var descriptors: [pollfd] = []
        while true {
            descriptors.removeAll(keepingCapacity: true)
            descriptors.append(pollfd(fd: wake, events: Int16(POLLIN), revents: 0))
            descriptors.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0))
            for (socket, connection) in connections {
                // A connection whose client stopped sending is only watched while it has bytes to send.
                var events = connection.readClosed ? Int16(0) : Int16(POLLIN)
                if !connection.outgoing.isEmpty { events |= Int16(POLLOUT) }
                if events != 0 { descriptors.append(pollfd(fd: socket, events: events, revents: 0)) }
            }
            let ready = waitForEvents(&descriptors)
            if ready < 0, errno != EINTR { return }
            fireDueTimers()
            guard ready > 0 else { continue }
            if descriptors[0].revents != 0 { return }
            if descriptors[1].revents != 0 { acceptAll() }
            for descriptor in descriptors.dropFirst(2) where descriptor.revents != 0 {
                if descriptor.revents & Int16(POLLOUT) != 0 { flush(descriptor.fd) }
                if descriptor.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { receive(descriptor.fd) }
            }
        }
    }

    /// `poll` until a socket is ready or the next timer is due. `poll` counts whole
    /// milliseconds, rounded up here, so an answer goes out up to 1 ms late, never early.
    private func waitForEvents(_ descriptors: inout [pollfd]) -> Int32 {
        var timeout: Int32 = -1
        if firstTimer < timers.count {
            let (seconds, attoseconds) = max(.zero, timers[firstTimer].due - ContinuousClock.now).components
            let microseconds = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
            timeout = Int32(min((microseconds + 999) / 1000, Int64(Int32.max)))
        }
        return poll(&descriptors, nfds_t(descriptors.count), timeout)
    }

    private func acceptAll() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            EventLoopHTTPServer.makeNonBlocking(client)
            var yes: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            nextConnectionID += 1
            connections[client] = Connection(id: nextConnectionID)
        }
    }

    private func receive(_ socket: Int32) {
        guard var connection = connections[socket], !connection.readClosed else { return }
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                connection.received.append(contentsOf: buffer[0..<count])
                continue
            }
            if count < 0, errno == EINTR { continue }
            if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { break }
            connection.readClosed = true
            break
        }
        // The latency counts from arrival, not from when the handler finished: with many
        // requests at once, answering the earlier ones must not delay the later ones.
        let arrival = ContinuousClock.now
        var answers: [(Data, Bool)] = []
        parsing: while true {
            switch LoopbackRequest.take(from: &connection.received) {
            case .request(let request):
                let keepAlive = request.header("connection")?.lowercased() != "close"
                let writer = LoopbackResponseWriter(collectingWithKeepAlive: keepAlive)
                handler(request, writer)
                if !writer.hasStarted {
                    writer.send(status: 500, text: "handler sent no response")
                } else if !writer.isFinished {
                    writer.finish()
                }
                answers.append((writer.takeCollected(), writer.keepAlive))
            case .incomplete:
                break parsing
            case .malformed:
                connection.readClosed = true
                break parsing
            }
        }
        gauges.arrived(count: answers.count, at: arrival)
        connection.pending += answers.count
        for (bytes, keepAlive) in answers {
            timers.append(Timer(due: arrival + delay, socket: socket, connection: connection.id, bytes: bytes, keepAlive: keepAlive))
        }
        connections[socket] = connection
        closeIfDone(socket)
    }

    private func fireDueTimers() {
        let now = ContinuousClock.now
        var touched: Set<Int32> = []
        while firstTimer < timers.count, timers[firstTimer].due <= now {
            let timer = timers[firstTimer]
            firstTimer += 1
            guard connections[timer.socket]?.id == timer.connection else { continue }
            connections[timer.socket]!.outgoing.append((timer.bytes, timer.keepAlive))
            touched.insert(timer.socket)
        }
        if firstTimer == timers.count {
            timers.removeAll(keepingCapacity: true)
            firstTimer = 0
        }
        for socket in touched { flush(socket) }
    }

    /// Sends what it can of the due answers; closes the connection after an answer that ends it.
    private func flush(_ socket: Int32) {
        guard var connection = connections[socket] else { return }
        var finished = 0
        var closing = false
        sending: while let first = connection.outgoing.first {
            let remaining = first.bytes.count - connection.sent
            let offset = connection.sent
            let sent = first.bytes.withUnsafeBytes { raw in
                #if canImport(Darwin)
                send(socket, raw.baseAddress! + offset, remaining, 0)
                #else
                send(socket, raw.baseAddress! + offset, remaining, Int32(MSG_NOSIGNAL))
                #endif
            }
            if sent < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { break sending }
                closing = true  // the client went away
                break sending
            }
            connection.sent += sent
            guard connection.sent == first.bytes.count else { continue }
            connection.outgoing.removeFirst()
            connection.sent = 0
            connection.pending -= 1
            finished += 1
            if !first.keepAlive {
                closing = true
                break sending
            }
        }
        gauges.answered(count: finished, at: ContinuousClock.now)
        connections[socket] = connection
        if closing {
            drop(socket)
        } else {
            closeIfDone(socket)
        }
    }

    private func closeIfDone(_ socket: Int32) {
        guard let connection = connections[socket], connection.readClosed, connection.pending == 0 else { return }
        drop(socket)
    }

    /// Closes the connection; answers still pending on it count as answered.
    private func drop(_ socket: Int32) {
        guard let connection = connections.removeValue(forKey: socket) else { return }
        gauges.answered(count: connection.pending, at: ContinuousClock.now)
        close(socket)
    }
}
