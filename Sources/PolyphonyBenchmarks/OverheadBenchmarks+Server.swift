import Foundation
import PolyphonyCore

#if canImport(Glibc)
import Glibc
#endif

extension Overhead {
    /// The fake server alone: `connections` sockets on one `poll` loop each send one canned
    /// streamed chat request at once and read the answer to its end, `phases` times. Prints the
    /// wall time per phase beyond the latency (the server's and this trivial client's cost
    /// together, an upper bound on the server's) and the server's busy and CPU time per phase.
    static func serverAlone(server: ExternalFakeServer, connections count: Int, phases: Int, latencyMs: Int) throws {
        let port = try port(of: server.baseURL)
        let request = Data(cannedRequest(port: port).utf8)
        var sockets: [Int32] = []
        defer { for socket in sockets { close(socket) } }
        for _ in 0..<count { sockets.append(try connect(port: port)) }
        // One phase first so every connection is open and warm.
        _ = try phase(sockets: sockets, request: request)
        var walls: [Double] = []
        var serverBusy: [Double] = []
        var serverCPU: [Double] = []
        for _ in 0..<phases {
            try server.resetStatistics()
            walls.append(try phase(sockets: sockets, request: request))
            let statistics = try server.statistics()
            serverBusy.append(statistics.busy)
            serverCPU.append(statistics.cpu)
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        let latency = Double(latencyMs) / 1000
        print(String(format: "  server alone, %d requests at once × %d phases: wall per phase median %.1f ms (min %.1f, max %.1f) → %.1f ms beyond the %d ms latency",
                     count, phases, median(walls) * 1e3, walls.min()! * 1e3, walls.max()! * 1e3, (median(walls) - latency) * 1e3, latencyMs))
        print(String(format: "    server busy %.1f ms per phase, server CPU %.2f ms per phase (%.3f ms per request)",
                     median(serverBusy) * 1e3, median(serverCPU) * 1e3, median(serverCPU) * 1e3 / Double(count)))
    }

    /// Sends `request` on every socket, then reads until every answer's last chunk; returns the wall time.
    private static func phase(sockets: [Int32], request: Data) throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        for socket in sockets {
            let sent = request.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent == request.count else { throw PolyphonyError.invalidInput("server-alone client: send failed (errno \(errno))") }
        }
        var received = [Data](repeating: Data(), count: sockets.count)
        var done = [Bool](repeating: false, count: sockets.count)
        var remaining = sockets.count
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let end = Data("0\r\n\r\n".utf8)
        while remaining > 0 {
            var descriptors = sockets.enumerated().filter { !done[$0.offset] }.map { pollfd(fd: $0.element, events: Int16(POLLIN), revents: 0) }
            guard poll(&descriptors, nfds_t(descriptors.count), 30_000) > 0 else {
                throw PolyphonyError.invalidInput("server-alone client: no answer within 30 s")
            }
            for descriptor in descriptors where descriptor.revents != 0 {
                guard let index = sockets.firstIndex(of: descriptor.fd) else { continue }
                let count = buffer.withUnsafeMutableBytes { recv(descriptor.fd, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { throw PolyphonyError.invalidInput("server-alone client: the server closed a connection") }
                received[index].append(contentsOf: buffer[0..<count])
                if received[index].count >= end.count, received[index].suffix(end.count) == end {
                    done[index] = true
                    remaining -= 1
                }
            }
        }
        return seconds(clock.now - start)
    }

    private static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr = in_addr(s_addr: UInt32(0x7f00_0001).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, connected == 0 else { throw PolyphonyError.invalidInput("server-alone client: connect failed (errno \(errno))") }
        var yes: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    private static func port(of baseURL: String) throws -> Int {
        guard let text = baseURL.split(separator: ":").last, let port = Int(text) else {
            throw PolyphonyError.invalidInput("polyphony-fake-server gave no port: \(baseURL)")
        }
        return port
    }

    /// A streamed chat request about the size of a brainwriting turn's (system prompt, topic, earlier ideas).
    private static func cannedRequest(port: Int) -> String {
        let earlier = (1...12).map { "i\($0): A shared tool library for the neighbourhood, idea number \($0)." }.joined(separator: "\\n")
        let body = """
        {"model":"fake-model","stream":true,"stream_options":{"include_usage":true},"seed":7,"messages":[\
        {"role":"system","content":"You are agent 7, one voice among many. Write short, concrete ideas as a numbered list."},\
        {"role":"user","content":"Topic: How might a city keep its streets cool in heatwaves?\\nIdeas so far:\\n\(earlier)\\nAdd three new ideas."}]}
        """
        return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }
}
