import Foundation
@testable import PolyphonyBackends
import PolyphonyCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Starting the managed local server when its port is taken between being chosen and being
/// bound. The server here is a small Python stand-in that binds `--port` and answers
/// `/v1/models`, run through the same bootstrap as llama-cpp-python's server.
@Suite struct LocalModelServerStartupTests {
    @Test func aPortTakenBeforeTheServerBindsItIsRetriedOnAFreshPort() async throws {
        let runtime = try Self.standInRuntime()
        let holder = try ListeningSocket()
        defer { holder.close() }
        var handedOut: [Int] = []
        let server = try await LocalModelServer.start(
            runtime: runtime, modelAlias: "stand-in", startupTimeout: Self.patience,
            choosePort: {
                let port = handedOut.isEmpty ? holder.port : try LocalModelServer.freeLoopbackPort()
                handedOut.append(port)
                return port
            }
        )
        defer { server.stop() }
        #expect(handedOut.count == 2)
        #expect(handedOut.first == holder.port)
        #expect(server.port == handedOut.last)
        #expect(server.port != holder.port)
        #expect(server.isRunning)
    }

    @Test func startUpGivesUpWithTheTakenPortsAfterThreeAttempts() async throws {
        let runtime = try Self.standInRuntime()
        let holder = try ListeningSocket()
        defer { holder.close() }
        var attempts = 0
        let error = await #expect(throws: PolyphonyError.backend) {
            try await LocalModelServer.start(
                runtime: runtime, modelAlias: "stand-in", startupTimeout: Self.patience,
                choosePort: { attempts += 1; return holder.port }
            )
        }
        #expect(error?.message.contains("ports \(holder.port), \(holder.port), \(holder.port) were taken") == true)
        #expect(attempts == LocalModelServer.portAttempts)
    }

    @Test func aServerThatFailsForAnotherReasonIsNotRetried() async throws {
        var runtime = try Self.standInRuntime()
        runtime.serverModule = try Self.write("import sys\nprint('model file is damaged', file=sys.stderr)\nsys.exit(3)\n")
        var attempts = 0
        let error = await #expect(throws: PolyphonyError.backend) {
            try await LocalModelServer.start(
                runtime: runtime, modelAlias: "stand-in", startupTimeout: Self.patience,
                choosePort: { attempts += 1; return try LocalModelServer.freeLoopbackPort() }
            )
        }
        #expect(error?.message.contains("model file is damaged") == true)
        #expect(attempts == 1)
    }

    // MARK: - Stand-in server

    private static let standIn = """
        import argparse, http.server
        parser = argparse.ArgumentParser()
        parser.add_argument("--host")
        parser.add_argument("--port", type=int)
        args, _ = parser.parse_known_args()
        class Models(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b'{"object":"list","data":[]}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *arguments):
                pass
        http.server.HTTPServer((args.host, args.port), Models).serve_forever()
        """

    /// Start-up is waited for on the wall clock; on a starved machine Python takes long to start,
    /// and these tests are about which port is used, not about how fast.
    private static let patience = 600.0

    private static func standInRuntime() throws -> LocalRuntime {
        // The system's own Python first: a version manager's shim is a shell script that takes
        // seconds to start under load.
        let python = try #require(
            (["/usr/bin"] + ProcessInfo.processInfo.environment["PATH", default: ""].split(separator: ":").map(String.init))
                .map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) },
            "python3 is on every machine this project supports"
        )
        let cache = try Fixtures.scratchDirectory()
        return LocalRuntime(python: python, serverModule: try write(standIn), model: "/dev/null", cache: cache)
    }

    private static func write(_ source: String) throws -> String {
        let path = (try Fixtures.scratchDirectory() as NSString).appendingPathComponent("server.py")
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// A TCP socket listening on a kernel-chosen loopback port, so nothing else can bind it.
private struct ListeningSocket {
    let descriptor: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(fd >= 0 && bound == 0 && listen(fd, 1) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(descriptor) }
}
