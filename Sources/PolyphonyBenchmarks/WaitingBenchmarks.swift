import Foundation
import PolyphonyBackends

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What waiting on a slow model costs: CPU-seconds this process burns per wall-second while
/// one request waits 10 s for its reply. The target is under 0.02 (DESIGN.md: waiting on a
/// model costs no CPU). Then the client's CPU per quick request, which unlike wall time does
/// not depend on how loaded the machine is. The server is a child `python3` process, so none
/// of its CPU is counted.
let waitingSuite = BenchmarkSuite(name: "waiting", summary: "client CPU while a request waits 10 s for a reply (target < 0.02 CPU-s per s), and per quick request") {
    let server = try SlowReplyServer()
    defer { server.stop() }
    let wait = 10.0
    let quickRequests = 500

    let (idleCPU, idleWall) = try await cpuAndWallSeconds { try await Task.sleep(for: .seconds(3)) }
    print(String(format: "  %-60@ %.4f CPU-s per wall-s", "idle process, 3 s (the floor)" as NSString, idleCPU / idleWall))

    let transports: [(name: String, make: @Sendable () -> any HTTPTransport)] = [
        ("URLSessionTransport (before)", { URLSessionTransport(maxConnections: 4, timeouts: HTTPTimeouts()) }),
        ("CurlTransport", { CurlTransport(maxConnections: 4, timeouts: HTTPTimeouts()) }),
    ]
    for (name, make) in transports {
        // A quick reply first warms up the library; then the wait on a connection opened for
        // it (a model's first request, or one more in parallel) and on a kept-alive one.
        let warm = make()
        _ = try await warm.send(server.request(delay: 0))
        for (connection, transport) in [("new connection", make()), ("kept-alive connection", warm)] {
            let (cpu, wall) = try await cpuAndWallSeconds {
                let (head, _) = try await transport.send(server.request(delay: wait))
                guard head.status == 200 else { throw SlowReplyServer.Failure("HTTP \(head.status)") }
            }
            let verdict = cpu / wall < 0.02 ? "meets" : "MISSES"
            print(String(
                format: "  %-60@ %.4f CPU-s per wall-s (%.3f CPU-s in %.1f s; %@ the 0.02 target)",
                "\(name), \(Int(wait)) s reply, \(connection)" as NSString, cpu / wall, cpu, wall, verdict as NSString
            ))
        }
        let (cpu, wall) = try await cpuAndWallSeconds {
            for _ in 0..<quickRequests { _ = try await warm.send(server.request(delay: 0)) }
        }
        print(String(
            format: "  %-60@ %.1f µs CPU per request (%.1f µs wall)",
            "\(name), \(quickRequests) sequential quick replies" as NSString,
            cpu / Double(quickRequests) * 1e6, wall / Double(quickRequests) * 1e6
        ))
    }
}

/// CPU time of this process (all threads, user plus system) and wall time spent in `body`.
private func cpuAndWallSeconds(_ body: () async throws -> Void) async throws -> (cpu: Double, wall: Double) {
    let clock = ContinuousClock()
    let cpuBefore = processCPUSeconds()
    let elapsed = try await clock.measure { try await body() }
    let cpu = processCPUSeconds() - cpuBefore
    return (cpu, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
}

/// A child `python3` HTTP server that answers `POST /?delay=SECONDS` after that many seconds.
private final class SlowReplyServer: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    private static let script = """
        import http.server, sys, time, urllib.parse
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 65536  # the whole response in one write, flushed after the handler
            disable_nagle_algorithm = True
            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length", 0)))
                query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                time.sleep(float(query.get("delay", ["0"])[0]))
                body = b'{"choices":[{"message":{"role":"assistant","content":"done"}}]}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """

    private let process: Process
    private let port: Int

    init() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let piece = output.fileHandleForReading.availableData
            guard !piece.isEmpty else { throw Failure("python3 server exited before printing its port") }
            line.append(piece)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw Failure("python3 server printed no port")
        }
        self.process = process
        self.port = port
    }

    func request(delay: Double) throws -> HTTPOutgoingRequest {
        guard let url = URL(string: "http://127.0.0.1:\(port)/?delay=\(delay)") else { throw Failure("bad URL") }
        return HTTPOutgoingRequest(url: url, headers: ["Content-Type": "application/json"], body: Data(#"{"model":"m"}"#.utf8))
    }

    /// Kills the server. SIGKILL, because a child started from a Swift process inherits a
    /// signal mask that blocks SIGTERM.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
