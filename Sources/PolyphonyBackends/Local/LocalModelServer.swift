import Foundation
import PolyphonyCore

#if canImport(Glibc)
import Glibc
#endif

/// One llama-cpp-python server process that Polyphony started on a free loopback port.
///
/// The server is started through a small Python bootstrap that asks the kernel to signal it
/// when its parent dies (`PR_SET_PDEATHSIG`) and also watches for being re-parented, so even
/// a `kill -9` of Polyphony leaves no orphan behind. ``stop()`` sends SIGTERM, then SIGKILL.
package final class LocalModelServer: Sendable {
    /// `http://127.0.0.1:PORT`.
    package let baseURL: String
    package let port: Int
    /// The server's output, for diagnosing a failed start.
    package let logFile: String
    private let process: Process

    private init(process: Process, port: Int, logFile: String) {
        self.process = process
        self.port = port
        self.logFile = logFile
        self.baseURL = "http://127.0.0.1:\(port)"
    }

    /// The process id, for tests that check nothing is left running.
    package var processIdentifier: Int32 { process.processIdentifier }
    /// Whether the server process is still alive.
    package var isRunning: Bool { process.isRunning }

    /// Starts the server and waits until it answers `/v1/models`.
    ///
    /// The port is chosen free and then handed to the server, so another process can take it
    /// in between (two test suites at once did). When the server exits saying its address is
    /// in use, start-up is tried again on a fresh port, up to ``portAttempts`` times.
    /// - Parameters:
    ///   - threads: Generation threads; see ``defaultThreads``.
    ///   - contextSize: Tokens of context; a session's prompts must fit.
    ///   - startupTimeout: Seconds to wait for the first answer, per attempt.
    ///   - choosePort: Where ports come from; tests hand out a taken one first.
    /// - Throws: ``PolyphonyError`` with the last lines of the server's log when it does not come up.
    package static func start(
        runtime: LocalRuntime, modelAlias: String, threads: Int = defaultThreads, contextSize: Int = 4096,
        startupTimeout: Double = 180, choosePort: () throws -> Int = freeLoopbackPort
    ) async throws -> LocalModelServer {
        var taken: [Int] = []
        while true {
            let port = try choosePort()
            do {
                return try await launch(
                    runtime: runtime, modelAlias: modelAlias, port: port, threads: threads,
                    contextSize: contextSize, startupTimeout: startupTimeout
                )
            } catch is PortTaken {
                taken.append(port)
                guard taken.count < portAttempts else {
                    let ports = taken.map(String.init).joined(separator: ", ")
                    throw PolyphonyError.backend(
                        "the local model server could not bind a loopback port: ports \(ports) were taken before it started", backend: "local"
                    )
                }
            }
        }
    }

    /// How many fresh ports start-up tries before giving up.
    package static let portAttempts = 3

    /// The server exited because another process took its port first.
    private struct PortTaken: Error {}

    private static func launch(
        runtime: LocalRuntime, modelAlias: String, port: Int, threads: Int, contextSize: Int, startupTimeout: Double
    ) async throws -> LocalModelServer {
        let logs = (runtime.cache as NSString).appendingPathComponent("logs")
        try? FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let logFile = (logs as NSString).appendingPathComponent("local-server-\(port).log")
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logFile) else {
            throw PolyphonyError.io("cannot write the local server's log", file: logFile)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: runtime.python)
        process.arguments = ["-c", bootstrap, runtime.serverModule] + [
            "--model", runtime.model, "--model_alias", modelAlias,
            "--host", "127.0.0.1", "--port", "\(port)",
            "--n_ctx", "\(contextSize)", "--n_threads", "\(threads)", "--n_threads_batch", "\(threads)",
            // Requests are queued by Polyphony's limiter; the server must not abort one for the next.
            "--interrupt_requests", "false",
            "--embedding", "true", "--kv_overrides", "llama.pooling_type=int:1",
            "--verbose", "false",
        ]
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw PolyphonyError.io("cannot start the local model server: \(error.localizedDescription)", file: runtime.python)
        }
        let server = LocalModelServer(process: process, port: port, logFile: logFile)
        do {
            try await server.waitUntilReady(timeout: startupTimeout)
        } catch {
            server.stop()
            throw error
        }
        return server
    }

    /// One thread fewer than the cores, at least one. Measured here on 2 cores: with both
    /// cores busy (tests, other agents' work) two generation threads ran about 8 times
    /// slower than one, because llama.cpp's threads spin while waiting for each other.
    package static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount - 1) }

    /// Stops the server: SIGTERM, then SIGKILL after three seconds. Idempotent.
    package func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    private func waitUntilReady(timeout: Double) async throws {
        let deadline = ContinuousClock.now + .seconds(timeout)
        let probe = HTTPOutgoingRequest(url: URL(string: baseURL + "/v1/models")!, method: "GET")
        let transport = CurlTransport(maxConnections: 1, timeouts: HTTPTimeouts(connect: 2, firstByte: 2, total: 2))
        while ContinuousClock.now < deadline {
            try Task.checkCancellation()
            guard process.isRunning else {
                if logSaysPortTaken() { throw PortTaken() }
                throw PolyphonyError.backend("the local model server exited during start-up: \(logTail())", backend: "local")
            }
            if let (head, _) = try? await transport.send(probe), head.status == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(150))
        }
        throw PolyphonyError.backend("the local model server did not answer within \(Int(timeout)) s; its log is \(logFile)", backend: "local")
    }

    /// Whether the log ends in a failure to bind: Python's `[Errno 98] Address already in use`
    /// or llama.cpp's "couldn't bind".
    private func logSaysPortTaken() -> Bool {
        let text = ((try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "").lowercased()
        return text.contains("address already in use") || text.contains("couldn't bind")
    }

    private func logTail() -> String {
        let text = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").suffix(3).joined(separator: " | ")
        return lines.isEmpty ? "no output (log \(logFile))" : "\(lines) (log \(logFile))"
    }

    /// A port the kernel just handed out for 127.0.0.1; the server binds it right after.
    package static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw PolyphonyError.io("cannot open a socket to find a free port") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw PolyphonyError.io("cannot bind a loopback socket to find a free port") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs the server module in this process after arranging to die with the parent.
    private static let bootstrap = """
        import ctypes, os, runpy, signal, sys, threading, time
        try:
            ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)
        except Exception:
            pass
        parent = os.getppid()
        def watch():
            while True:
                if os.getppid() != parent:
                    os._exit(0)
                time.sleep(0.5)
        threading.Thread(target=watch, daemon=True).start()
        module = sys.argv[1]
        sys.argv = [module] + sys.argv[2:]
        if module.endswith(".py"):
            runpy.run_path(module, run_name="__main__")
        else:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
        """
}
