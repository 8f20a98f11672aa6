import Foundation
import PolyphonyBackends
import PolyphonyTestSupport
import Synchronization
import Testing

/// The transport and the loopback server underneath every other test.
@Suite struct URLSessionTransportTests {
    @Test func reusesKeptAliveConnections() async throws {
        let server = try LoopbackHTTPServer { request, response in
            response.send(status: 200, headers: [("Content-Type", "text/plain")], text: "echo \(request.method) \(request.path) \(request.body.count)")
        }
        defer { server.stop() }
        let transport = URLSessionTransport(maxConnections: 2, timeouts: HTTPTimeouts())
        for _ in 0..<10 {
            let (head, body) = try await transport.send(HTTPOutgoingRequest(url: try #require(URL(string: server.baseURL + "/a?b=1")), body: Data("xyz".utf8)))
            #expect(head.status == 200)
            #expect(String(decoding: body, as: UTF8.self) == "echo POST /a 3")
        }
        #expect(server.requestCount == 10)
        #expect(server.connectionCount == 1)
    }

    @Test func deliversAChunkedBodyPieceByPiece() async throws {
        let server = try LoopbackHTTPServer { _, response in
            response.beginStream(status: 200, headers: [("Content-Type", "text/plain")], framing: .chunked)
            for index in 0..<5 {
                response.write("piece \(index);")
                Thread.sleep(forTimeInterval: 0.02)
            }
            response.finish()
        }
        defer { server.stop() }
        let transport = URLSessionTransport(maxConnections: 1, timeouts: HTTPTimeouts())
        let response = try await transport.execute(HTTPOutgoingRequest(url: try #require(URL(string: server.baseURL))))
        var pieces = 0
        var text = ""
        for try await piece in response.body {
            pieces += 1
            text += String(decoding: piece, as: UTF8.self)
        }
        #expect(text == (0..<5).map { "piece \($0);" }.joined())
        #expect(pieces >= 3)
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
        let transport = URLSessionTransport(maxConnections: 1, timeouts: HTTPTimeouts(connect: 1, firstByte: 1, total: 0.5))
        let response = try await transport.execute(HTTPOutgoingRequest(url: try #require(URL(string: server.baseURL))))
        let error = await #expect(throws: HTTPTransportError.self) {
            for try await _ in response.body {}
        }
        #expect(error?.isTimeout == true)
        #expect(error?.description == "no complete response within 0.5 s (total timeout)")
    }

    @Test func stopRefusesNewConnectionsAndIsIdempotent() async throws {
        let server = try LoopbackHTTPServer { _, response in response.send(status: 204) }
        let url = try #require(URL(string: server.baseURL))
        let transport = URLSessionTransport(maxConnections: 1, timeouts: HTTPTimeouts(connect: 1, firstByte: 2, total: 2))
        #expect(try await transport.send(HTTPOutgoingRequest(url: url, method: "GET")).0.status == 204)
        server.stop()
        server.stop()
        let fresh = URLSessionTransport(maxConnections: 1, timeouts: HTTPTimeouts(connect: 1, firstByte: 2, total: 2))
        await #expect(throws: HTTPTransportError.self) { try await fresh.send(HTTPOutgoingRequest(url: url, method: "GET")) }
    }

    @Test func countsRequestsInFlightAtTheServer() async throws {
        // Half a second per answer, so the four requests overlap even when the test process
        // is slow to start them on a loaded machine.
        let server = try LoopbackHTTPServer { _, response in
            Thread.sleep(forTimeInterval: 0.5)
            response.send(status: 200)
        }
        defer { server.stop() }
        let transport = URLSessionTransport(maxConnections: 4, timeouts: HTTPTimeouts())
        let url = try #require(URL(string: server.baseURL))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { _ = try await transport.send(HTTPOutgoingRequest(url: url)) } }
            try await group.waitForAll()
        }
        #expect(server.maxInFlight == 4)
        #expect(server.inFlight == 0)
    }
}
