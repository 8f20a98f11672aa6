import Foundation
@testable import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Starting the managed local server when its port is taken between being chosen and being
/// bound. The server here is a small stand-in executable that binds `--port`, answers
/// `/health`, and says what llama-server says when the port is taken, started the same way
/// as llama-server.
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
        runtime.server = try Self.write("#!/bin/sh\necho 'model file is damaged' >&2\nexit 3\n")
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

    /// The stand-in's source; its `#!` line names the Python that runs it.
    private static let standIn = """
        import argparse, http.server, sys
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
        try:
            server = http.server.HTTPServer((args.host, args.port), Models)
        except OSError:
            print("start: couldn't bind HTTP server socket, hostname: %s, port: %d" % (args.host, args.port), file=sys.stderr)
            sys.exit(1)
        server.serve_forever()
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
        return LocalRuntime(server: try write("#!\(python)\n" + standIn), model: "/dev/null", cache: cache)
    }

    /// An executable script named like the real server.
    ///
    /// Written through a descriptor closed on `exec`: a child that another test spawns while
    /// the file is open would otherwise keep it open for writing, and executing the script
    /// would fail with "Text file busy".
    private static func write(_ source: String) throws -> String {
        let path = (try Fixtures.scratchDirectory() as NSString).appendingPathComponent("llama-server")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        try #require(fd >= 0, "cannot create \(path)")
        let bytes = Array(source.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        _ = Glibc.close(fd)
        try #require(written == bytes.count, "cannot write \(path)")
        return path
    }
}

/// A TCP socket listening on a kernel-chosen loopback port, so nothing else can bind it.
private struct ListeningSocket {
    let descriptor: Int32
    let port: Int

    init() throws {
        (descriptor, port) = try LoopbackHTTPServer.listenOnLoopback()
    }

    func close() { _ = Glibc.close(descriptor) }
}
