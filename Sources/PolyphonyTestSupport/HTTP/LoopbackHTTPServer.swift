import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A small HTTP/1.1 server on 127.0.0.1 with a port the kernel picks, for tests and benchmarks.
///
/// Every connection gets its own thread and the handler runs on it synchronously, so a
/// handler may simply sleep to simulate latency. Connections are kept alive between
/// requests the way libcurl expects. The server counts requests in flight (read in full,
/// response not yet finished) and keeps the maximum it ever saw, which is how tests check
/// that a client respects its concurrency bound.
///
/// ```swift
/// let server = try LoopbackHTTPServer { request, response in
///     response.send(status: 200, headers: [("Content-Type", "text/plain")], text: "hi")
/// }
/// defer { server.stop() }
/// // GET http://127.0.0.1:\(server.port)/
/// ```
package final class LoopbackHTTPServer: Sendable {
    /// Handles one request; called on the connection's thread. Anything the handler leaves
    /// unsent becomes an empty 500, and a stream left open is finished for it.
    package typealias Handler = @Sendable (LoopbackRequest, LoopbackResponseWriter) -> Void

    private struct Gauges {
        var inFlight = 0
        var maxInFlight = 0
        var requests = 0
        var connections = 0
        var clientDisconnects = 0
        var busy: Duration = .zero
        var busySince: ContinuousClock.Instant?
        var openSockets: Set<Int32> = []
        var stopped = false
    }

    /// The TCP port the server listens on.
    package let port: Int
    private let listener: Int32
    private let handler: Handler
    private let gauges = Mutex(Gauges())
    private let acceptLoopDone = DispatchSemaphore(value: 0)

    /// Starts listening on 127.0.0.1 at a free port and accepting connections.
    /// - Parameter handler: Called once per request.
    /// - Throws: ``LoopbackServerError`` when the socket cannot be created, bound or listened on.
    package init(handler: @escaping Handler) throws {
        self.handler = handler
        (listener, port) = try Self.listenOnLoopback()
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "loopback-accept-\(port)"
        thread.start()
    }

    deinit {
        stop()
    }

    /// A listening socket on 127.0.0.1 at a port the kernel picks, and that port.
    /// - Throws: ``LoopbackServerError`` when the socket cannot be created, bound or listened on.
    package static func listenOnLoopback() throws -> (socket: Int32, port: Int) {
        #if canImport(Darwin)
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #else
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #endif
        guard fd >= 0 else { throw LoopbackServerError("socket() failed: errno \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr = in_addr(s_addr: UInt32(0x7f00_0001).bigEndian)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            close(fd)
            throw LoopbackServerError("bind(127.0.0.1:0) failed: errno \(errno)")
        }
        guard listen(fd, 1024) == 0 else {
            close(fd)
            throw LoopbackServerError("listen() failed: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            close(fd)
            throw LoopbackServerError("getsockname() failed: errno \(errno)")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    package var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Requests read in full whose response is not finished yet.
    package var inFlight: Int { gauges.withLock { $0.inFlight } }
    /// The most requests that were ever in flight at once since start or ``resetStatistics()``.
    package var maxInFlight: Int { gauges.withLock { $0.maxInFlight } }
    /// Requests received since start or ``resetStatistics()``.
    package var requestCount: Int { gauges.withLock { $0.requests } }
    /// TCP connections accepted since start or ``resetStatistics()``.
    package var connectionCount: Int { gauges.withLock { $0.connections } }
    /// Responses during which the client closed or reset the connection (an aborted stream).
    package var clientDisconnectCount: Int { gauges.withLock { $0.clientDisconnects } }

    /// How long at least one request was in flight since start or ``resetStatistics()``.
    ///
    /// Unlike a client's wall clock, this leaves out stretches when the client sent nothing
    /// (for example while a loaded test machine starved it), so "N requests with bound B and
    /// latency L keep the server busy for about N/B × L" can be checked reliably.
    package var busyTime: Duration {
        gauges.withLock { state in
            state.busy + (state.busySince.map { ContinuousClock.now - $0 } ?? .zero)
        }
    }

    /// Zeroes the request, connection and disconnect counters, the busy time and the in-flight maximum.
    package func resetStatistics() {
        gauges.withLock {
            $0.maxInFlight = $0.inFlight
            $0.requests = 0
            $0.connections = 0
            $0.clientDisconnects = 0
            $0.busy = .zero
            $0.busySince = $0.inFlight > 0 ? ContinuousClock.now : nil
        }
    }

    /// Stops accepting, cuts every open connection and waits for the accept loop to end.
    /// Handlers still running finish on their own threads; their writes go nowhere. Idempotent.
    package func stop() {
        let sockets: Set<Int32>? = gauges.withLock { state in
            if state.stopped { return nil }
            state.stopped = true
            return state.openSockets
        }
        guard let sockets else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        for socket in sockets { shutdown(socket, Int32(SHUT_RDWR)) }
        acceptLoopDone.wait()
        close(listener)
    }

    private func acceptLoop() {
        defer { acceptLoopDone.signal() }
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR, !gauges.withLock({ $0.stopped }) { continue }
                return
            }
            let accepted = gauges.withLock { state -> Bool in
                guard !state.stopped else { return false }
                state.openSockets.insert(client)
                state.connections += 1
                return true
            }
            guard accepted else {
                close(client)
                return
            }
            var yes: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            let thread = Thread { [self] in serve(client) }
            thread.name = "loopback-conn-\(client)"
            thread.start()
        }
    }

    private func serve(_ socket: Int32) {
        defer {
            gauges.withLock { _ = $0.openSockets.remove(socket) }
            close(socket)
        }
        var reader = RequestReader(socket: socket)
        while let request = reader.next() {
            let wantsClose = request.header("connection")?.lowercased() == "close"
            let writer = LoopbackResponseWriter(socket: socket, keepAlive: !wantsClose)
            gauges.withLock {
                $0.requests += 1
                $0.inFlight += 1
                $0.maxInFlight = max($0.maxInFlight, $0.inFlight)
                if $0.inFlight == 1 { $0.busySince = ContinuousClock.now }
            }
            // The request stops counting as in flight just before its last bytes go out (or
            // when the handler returns without them): a client that sends its next request the
            // moment this one is answered must not see two in flight.
            writer.willComplete = {
                self.gauges.withLock {
                    $0.inFlight -= 1
                    if $0.inFlight == 0, let since = $0.busySince {
                        $0.busy += ContinuousClock.now - since
                        $0.busySince = nil
                    }
                }
            }
            handler(request, writer)
            if !writer.hasStarted {
                writer.send(status: 500, text: "handler sent no response")
            } else if !writer.isFinished {
                writer.finish()
            }
            // Runs the callback unless the response already did (it runs once).
            writer.completing()
            if writer.isClientGone { gauges.withLock { $0.clientDisconnects += 1 } }
            if !writer.keepAlive || gauges.withLock({ $0.stopped }) { return }
        }
    }
}

/// The loopback server could not start.
package struct LoopbackServerError: Error, CustomStringConvertible {
    /// What failed, with the errno.
    package let description: String
    init(_ description: String) { self.description = description }
}

/// Reads HTTP/1.1 requests one after another off a blocking socket.
private struct RequestReader {
    let socket: Int32
    private var buffer = Data()

    init(socket: Int32) { self.socket = socket }

    /// The next complete request, or `nil` at end of stream or on malformed input.
    mutating func next() -> LoopbackRequest? {
        while true {
            switch LoopbackRequest.take(from: &buffer) {
            case .request(let request): return request
            case .malformed: return nil
            case .incomplete: guard fill() else { return nil }
            }
        }
    }

    private mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
                return true
            }
            if count < 0, errno == EINTR { continue }
            return false
        }
    }
}
