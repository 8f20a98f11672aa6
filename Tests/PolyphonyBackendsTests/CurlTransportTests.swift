import Foundation
import PolyphonyBackends
import PolyphonyTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The transport under every backend, against real loopback servers. Where timing matters the
/// server and the test wait for each other's events, never for a sleep to be long enough.
@Suite struct CurlTransportTests {
    @Test func reusesKeptAliveConnections() async throws {
        let server = try LoopbackHTTPServer { request, response in
            response.send(status: 200, headers: [("Content-Type", "text/plain")], text: "echo \(request.method) \(request.path) \(request.body.count)")
        }
        defer { server.stop() }
        let transport = CurlTransport(maxConnections: 2, timeouts: HTTPTimeouts())
        for _ in 0..<10 {
            let (head, body) = try await transport.send(HTTPOutgoingRequest(url: try url(server, "/a?b=1"), body: Data("xyz".utf8)))
            #expect(head.status == 200)
            #expect(String(decoding: body, as: UTF8.self) == "echo POST /a 3")
        }
        #expect(server.requestCount == 10)
        // libcurl retires a connection idle for 118 s (CURLOPT_MAXAGE_CONN), which a test stalled
        // by a loaded machine can hit between two requests (seen in a loaded full run); so not
        // "exactly one", but far fewer connections than requests.
        #expect(server.connectionCount <= 3)
    }

    @Test func sendsTheMethodHeadersAndBodyAsGiven() async throws {
        let seen = Mutex<[LoopbackRequest]>([])
        let server = try LoopbackHTTPServer { request, response in
            seen.withLock { $0.append(request) }
            response.send(status: 204)
        }
        defer { server.stop() }
        let transport = CurlTransport(maxConnections: 1, timeouts: HTTPTimeouts())
        let json = Data(#"{"model":"m"}"#.utf8)
        _ = try await transport.send(HTTPOutgoingRequest(
            url: try url(server, "/v1/chat"), headers: ["Authorization": "Bearer k", "Content-Type": "application/json"], body: json
        ))
        _ = try await transport.send(HTTPOutgoingRequest(url: try url(server, "/models?x=1"), method: "GET"))
        _ = try await transport.send(HTTPOutgoingRequest(url: try url(server, "/thing"), method: "PUT", body: Data("raw".utf8)))
        _ = try await transport.send(HTTPOutgoingRequest(url: try url(server, "/thing"), method: "DELETE"))

        let requests = seen.withLock { $0 }
        try #require(requests.count == 4)
        #expect(requests.map(\.method) == ["POST", "GET", "PUT", "DELETE"])
        #expect(requests.map(\.target) == ["/v1/chat", "/models?x=1", "/thing", "/thing"])
        #expect(requests[0].header("authorization") == "Bearer k")
        #expect(requests[0].header("content-type") == "application/json")
        #expect(requests[0].body == json)
        #expect(requests[2].body == Data("raw".utf8))
        // No 100-continue round trip, and no form type made up for an undeclared body.
        #expect(requests.allSatisfy { $0.header("expect") == nil })
        #expect(requests[2].header("content-type") == nil)
    }

    @Test func returnsTheHeadBeforeTheBodyArrives() async throws {
        let bodyMayStart = Gate()
        let server = try LoopbackHTTPServer { _, response in
            response.beginStream(status: 201, headers: [("X-Model", "m1")], framing: .chunked)
            // The body waits for the client to have the head: a transport that waited for the
            // body before returning would hold this handler until the gate gives up.
            response.write(bodyMayStart.wait() ? "released" : "gave up")
            response.finish()
        }
        defer { server.stop() }
        let transport = CurlTransport(maxConnections: 1, timeouts: HTTPTimeouts())
        let response = try await transport.execute(HTTPOutgoingRequest(url: try url(server)))
        #expect(response.head.status == 201)
        #expect(response.head.header("X-Model") == "m1")
        #expect(response.head.headers["x-model"] == "m1")
        bodyMayStart.open()
        var text = ""
        for try await piece in response.body { text += String(decoding: piece, as: UTF8.self) }
        #expect(text == "released")
    }

    @Test func deliversAChunkedBodyPieceByPiece() async throws {
        let nextPiece = Gate()
        let server = try LoopbackHTTPServer { _, response in
            response.beginStream(status: 200, headers: [("Content-Type", "text/plain")], framing: .chunked)
            for index in 0..<5 {
                response.write("piece \(index);")
                // The next piece only goes out once the client has read this one.
                guard nextPiece.wait() else { break }
            }
            response.finish()
        }
        defer { server.stop() }
        let transport = CurlTransport(maxConnections: 1, timeouts: HTTPTimeouts())
        let response = try await transport.execute(HTTPOutgoingRequest(url: try url(server)))
        var pieces: [String] = []
        for try await piece in response.body {
            pieces.append(String(decoding: piece, as: UTF8.self))
            nextPiece.open()
        }
        #expect(pieces == (0..<5).map { "piece \($0);" })
    }

    @Test func carriesLargeBodiesBothWaysIntact() async throws {
        let upload = Data((0..<(2 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let download = Data((0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) })
        let server = try LoopbackHTTPServer { request, response in
            guard request.body == upload else { return response.send(status: 400, text: "upload arrived damaged") }
            response.beginStream(status: 200, framing: .chunked)
            var offset = 0
            while offset < download.count {
                let end = min(download.count, offset + 100_000)
                response.write(download[offset..<end])
                offset = end
            }
            response.finish()
        }
        defer { server.stop() }
        let transport = CurlTransport(maxConnections: 1, timeouts: HTTPTimeouts())
        let (head, body) = try await transport.send(HTTPOutgoingRequest(url: try url(server), body: upload))
        #expect(head.status == 200)
        #expect(body.count == download.count)
        #expect(body == download)
    }

    @Test func returnsARedirectWithoutFollowingIt() async throws {
        let server = try LoopbackHTTPServer { request, response in
            if request.path == "/elsewhere" { return response.send(status: 200, text: "followed") }
            response.send(status: 302, headers: [("Location", "/elsewhere")], text: "moved")
        }
        defer { server.stop() }
        let transport = CurlTransport(maxConnections: 1, timeouts: HTTPTimeouts())
        let (head, body) = try await transport.send(HTTPOutgoingRequest(url: try url(server, "/start"), headers: ["Authorization": "Bearer k"]))
        #expect(head.status == 302)
        #expect(head.header("location") == "/elsewhere")
        #expect(String(decoding: body, as: UTF8.self) == "moved")
        #expect(server.requestCount == 1)
    }

    @Test func skipsAnInterimHeadAndCombinesRepeatedFields() async throws {
        let server = try LoopbackHTTPServer { _, response in
            response.sendInterim(status: 100)
            response.send(status: 200, headers: [("Vary", "Accept"), ("vary", "Origin")], text: "done")
        }
        defer { server.stop() }
        let transport = CurlTransport(maxConnections: 1, timeouts: HTTPTimeouts())
        let (head, body) = try await transport.send(HTTPOutgoingRequest(url: try url(server)))
        #expect(head.status == 200)
        #expect(head.header("vary") == "Accept, Origin")
        #expect(String(decoding: body, as: UTF8.self) == "done")
    }

    @Test func enforcesTheFirstByteDeadline() async throws {
        let release = Gate()
        let server = try LoopbackHTTPServer { _, response in
            _ = release.wait()
            response.send(status: 200, text: "too late")
        }
        defer {
            release.open()
            server.stop()
        }
        let transport = CurlTransport(maxConnections: 1, timeouts: HTTPTimeouts(connect: 5, firstByte: 0.3, total: 30))
        let error = await #expect(throws: HTTPTransportError.self) {
            try await transport.execute(HTTPOutgoingRequest(url: try url(server)))
        }
        #expect(error?.isTimeout == true)
        #expect(error?.description == "no first byte within 0.3 s (first byte timeout)")
    }

    @Test func enforcesTheTotalDeadlineOnASlowBody() async throws {
        let server = try LoopbackHTTPServer { _, response in
            response.beginStream(status: 200, framing: .chunked)
            // Ten seconds of body unless the client hangs up.
            for _ in 0..<100 {
                response.write("x")
                Thread.sleep(forTimeInterval: 0.1)
                if response.isClientGone { return }
            }
            response.finish()
        }
        defer { server.stop() }
        let transport = CurlTransport(maxConnections: 1, timeouts: HTTPTimeouts(connect: 5, firstByte: 5, total: 0.5))
        let target = try url(server)
        // Usually the body breaks off; on a starved machine the head itself may come too late.
        let error = await #expect(throws: HTTPTransportError.self) {
            let response = try await transport.execute(HTTPOutgoingRequest(url: target))
            for try await _ in response.body {}
        }
        #expect(error?.isTimeout == true)
        #expect(error?.description == "no complete response within 0.5 s (total timeout)")
    }

    @Test func enforcesTheConnectTimeout() async throws {
        let listener = try FullBacklogListener()
        defer { listener.close() }
        let transport = CurlTransport(maxConnections: 1, timeouts: HTTPTimeouts(connect: 0.5, firstByte: 30, total: 60))
        let error = await #expect(throws: HTTPTransportError.self) {
            try await transport.execute(HTTPOutgoingRequest(url: try #require(URL(string: "http://127.0.0.1:\(listener.port)/"))))
        }
        #expect(error?.isTimeout == true)
        #expect(error?.description == "no connect within 0.5 s (connect timeout)")
    }

    @Test func aRefusedConnectionIsAConnectionErrorWithoutHeaderValues() async throws {
        let server = try LoopbackHTTPServer { _, response in response.send(status: 204) }
        let address = try url(server)
        server.stop()
        let transport = CurlTransport(maxConnections: 1, timeouts: HTTPTimeouts(connect: 5, firstByte: 5, total: 5))
        let error = await #expect(throws: HTTPTransportError.self) {
            try await transport.send(HTTPOutgoingRequest(url: address, headers: ["Authorization": "Bearer sk-secret-4242"]))
        }
        #expect(error?.isTimeout == false)
        #expect(error?.isCancellation == false)
        #expect(error?.description.contains("cannot connect") == true)
        #expect(error?.description.contains("sk-secret-4242") == false)
    }

    @Test func cancellingBeforeTheHeadAbortsTheRequest() async throws {
        let (arrivals, arrived) = AsyncStream<Void>.makeStream()
        let server = try LoopbackHTTPServer { _, response in
            arrived.yield()
            // Never answers: only a client that hangs up ends this request before ten minutes.
            _ = response.waitForClientToHangUp(seconds: 600)
        }
        defer { server.stop() }
        let transport = CurlTransport(maxConnections: 1, timeouts: HTTPTimeouts())
        let target = try url(server)
        let call = Task { try await transport.execute(HTTPOutgoingRequest(url: target)) }
        var arrival = arrivals.makeAsyncIterator()
        await arrival.next()
        call.cancel()
        let error = await #expect(throws: HTTPTransportError.self) { try await call.value }
        #expect(error?.isCancellation == true)
        try await waitForDisconnect(server)
        #expect(server.clientDisconnectCount == 1)
    }

    @Test func droppingTheBodyMidStreamAbortsTheTransfer() async throws {
        let server = try LoopbackHTTPServer { _, response in
            response.beginStream(status: 200, framing: .chunked)
            response.write("first")
            // The rest would follow only after the client hung up, or ten minutes.
            if !response.waitForClientToHangUp(seconds: 600) { response.write("rest") }
        }
        defer { server.stop() }
        let transport = CurlTransport(maxConnections: 1, timeouts: HTTPTimeouts())
        try await readFirstPieceThenDrop(transport, url(server))
        try await waitForDisconnect(server)
        #expect(server.clientDisconnectCount == 1)
        #expect(server.requestCount == 1)
    }

    @Test func finishesARequestInFlightAfterTheTransportIsReleased() async throws {
        let bodyMayStart = Gate()
        let server = try LoopbackHTTPServer { _, response in
            response.beginStream(status: 200, framing: .chunked)
            response.write(bodyMayStart.wait() ? "still here" : "gave up")
            response.finish()
        }
        defer { server.stop() }
        var transport: CurlTransport? = CurlTransport(maxConnections: 1, timeouts: HTTPTimeouts())
        let response = try await transport?.execute(HTTPOutgoingRequest(url: try url(server)))
        transport = nil
        bodyMayStart.open()
        var text = ""
        for try await piece in try #require(response).body { text += String(decoding: piece, as: UTF8.self) }
        #expect(text == "still here")
    }

    @Test func keepsManyConcurrentRequestsWithinTheConnectionLimit() async throws {
        let limit = 4
        let arrived = Mutex(0)
        let allArrived = Gate()
        let server = try LoopbackHTTPServer { request, response in
            // The first `limit` requests hold their connections until all of them are in:
            // that proves the transport runs `limit` at once; the server's maximum proves no more.
            let count = arrived.withLock { count in
                count += 1
                return count
            }
            if count == limit { allArrived.open(times: limit) }
            if count <= limit { _ = allArrived.wait() }
            response.send(status: 200, text: request.target)
        }
        defer { server.stop() }
        let transport = CurlTransport(maxConnections: limit, timeouts: HTTPTimeouts())
        let base = server.baseURL
        let answers = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<64 {
                group.addTask {
                    let target = "/r\(index)"
                    let (head, body) = try await transport.send(HTTPOutgoingRequest(url: try #require(URL(string: base + target))))
                    return head.status == 200 && String(decoding: body, as: UTF8.self) == target
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(answers.count == 64)
        #expect(answers.allSatisfy { $0 })
        #expect(server.maxInFlight == limit)
        #expect(server.connectionCount <= limit)
    }

    // MARK: - Helpers

    private func url(_ server: LoopbackHTTPServer, _ path: String = "/") throws -> URL {
        try #require(URL(string: server.baseURL + path))
    }

    /// Reads one piece of a streamed body, then lets the response go out of scope unfinished.
    private func readFirstPieceThenDrop(_ transport: CurlTransport, _ url: URL) async throws {
        let response = try await transport.execute(HTTPOutgoingRequest(url: url))
        var pieces = response.body.makeAsyncIterator()
        #expect(try await pieces.next() != nil)
    }

    /// Waits until the server has noticed the client hang up, for at most ten minutes (a hang
    /// guard: loaded full runs stalled this test for over a minute).
    private func waitForDisconnect(_ server: LoopbackHTTPServer) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        while server.clientDisconnectCount == 0, clock.now - start < .seconds(600) {
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// A one-way signal between a test and a server handler thread. It gives up after ten
/// minutes, so a broken transport fails the test instead of hanging it, while a test process
/// that a loaded machine stalls for minutes still opens it in time.
private struct Gate: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)

    /// Lets `times` waiters through.
    func open(times: Int = 1) {
        for _ in 0..<times { semaphore.signal() }
    }

    /// Blocks until opened; `false` when a minute passed first.
    func wait() -> Bool {
        semaphore.wait(timeout: .now() + 600) == .success
    }
}

/// A listening socket whose accept queue is full, so the kernel drops every new SYN and a
/// connection attempt hangs until the client gives up: a deterministic connect timeout.
private final class FullBacklogListener: Sendable {
    let port: Int
    private let listener: Int32
    private let filler: Int32

    init() throws {
        #if canImport(Darwin)
        let stream = SOCK_STREAM
        #else
        let stream = Int32(SOCK_STREAM.rawValue)
        #endif
        let listener = socket(AF_INET, stream, 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr = in_addr(s_addr: UInt32(0x7f00_0001).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 0) == 0 && getsockname(listener, pointer, &length) == 0
            }
        }
        guard bound else { throw SocketSetupError(step: "bind/listen", code: errno) }
        // One established connection nobody accepts fills a backlog of 0.
        let filler = socket(AF_INET, stream, 0)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, length) == 0 }
        }
        guard connected else { throw SocketSetupError(step: "connect", code: errno) }
        self.listener = listener
        self.filler = filler
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        for socket in [filler, listener] {
            #if canImport(Darwin)
            _ = Darwin.close(socket)
            #else
            _ = Glibc.close(socket)
            #endif
        }
    }
}

private struct SocketSetupError: Error {
    let step: String
    let code: Int32
}
