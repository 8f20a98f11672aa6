import Foundation
import PolyphonyCore

#if canImport(Glibc)
import Glibc
#endif

/// One llama.cpp `llama-server` process that Polyphony started on a free loopback port.
///
/// The server runs `slots` sequences at once with continuous batching, so the requests of
/// a parallel phase decode together in one batch. It is started by a small shell watchdog
/// that kills it when Polyphony dies, even by `kill -9` (see `LocalModelServer+Watchdog`).
/// ``stop()`` sends SIGTERM, then SIGKILL.
package final class LocalModelServer: Sendable {
    /// What a server is for: `llama-server --embedding` serves embeddings and nothing else,
    /// so an embedder gets a server of its own.
    package enum Purpose: String, Sendable {
        case chat, embeddings
    }

    /// `http://127.0.0.1:PORT`.
    package let baseURL: String
    package let port: Int
    /// The server's output, for diagnosing a failed start.
    package let logFile: String
    /// The watchdog shell; the server is its only long-lived child.
    private let process: SpawnedProcess
    /// Polyphony's end of the watchdog's pipe: closing it, or dying, kills the server.
    private let lifeline: FileHandle

    private init(process: SpawnedProcess, lifeline: FileHandle, port: Int, logFile: String) {
        self.process = process
        self.lifeline = lifeline
        self.port = port
        self.logFile = logFile
        self.baseURL = "http://127.0.0.1:\(port)"
    }

    /// The watchdog's process id, for tests that check nothing is left running.
    package var processIdentifier: Int32 { process.processIdentifier }
    /// Whether the server process is still alive.
    package var isRunning: Bool { process.isRunning }

    /// Starts the server and waits until its `/health` answers 200 (the model is loaded).
    ///
    /// The port is chosen free and then handed to the server, so another process can take it
    /// in between (two test suites at once did). When the server exits saying its address is
    /// in use, start-up is tried again on a fresh port, up to ``portAttempts`` times.
    /// - Parameters:
    ///   - threads: Generation threads; see ``defaultThreads``.
    ///   - slots: Sequences decoded together (`--parallel`); the entry's `max_concurrency`.
    ///   - contextSize: Tokens of context per slot; a session's prompts must fit.
    ///   - purpose: Chat completions, or mean-pooled embeddings.
    ///   - startupTimeout: Seconds to wait for the first answer, per attempt.
    ///   - choosePort: Where ports come from; tests hand out a taken one first.
    /// - Throws: ``PolyphonyError`` with the last lines of the server's log when it does not come up.
    package static func start(
        runtime: LocalRuntime, modelAlias: String, threads: Int = defaultThreads, slots: Int = defaultSlots,
        contextSize: Int = 4096, purpose: Purpose = .chat, startupTimeout: Double = 180,
        choosePort: () throws -> Int = freeLoopbackPort
    ) async throws -> LocalModelServer {
        var taken: [Int] = []
        while true {
            let port = try choosePort()
            do {
                return try await launch(
                    runtime: runtime, modelAlias: modelAlias, port: port, threads: threads, slots: slots,
                    contextSize: contextSize, purpose: purpose, startupTimeout: startupTimeout
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
        runtime: LocalRuntime, modelAlias: String, port: Int, threads: Int, slots: Int, contextSize: Int,
        purpose: Purpose, startupTimeout: Double
    ) async throws -> LocalModelServer {
        let logs = (runtime.cache as NSString).appendingPathComponent("logs")
        try? FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let logFile = (logs as NSString).appendingPathComponent("local-server-\(port).log")
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logFile) else {
            throw PolyphonyError.io("cannot write the local server's log", file: logFile)
        }
        let arguments = serverArguments(
            runtime: runtime, modelAlias: modelAlias, port: port, threads: threads, slots: slots, contextSize: contextSize, purpose: purpose
        )
        let pipe = try lifelinePipe()
        let process: SpawnedProcess
        do {
            process = try SpawnedProcess(
                executable: shell, arguments: ["-c", watchdogScript, "polyphony-llama-watchdog"] + arguments,
                input: pipe.watchdog.fileDescriptor, output: log.fileDescriptor
            )
        } catch {
            throw PolyphonyError.io("cannot start the local model server: \(error)", file: runtime.server)
        }
        try? pipe.watchdog.close()
        try? log.close()
        let server = LocalModelServer(process: process, lifeline: pipe.polyphony, port: port, logFile: logFile)
        do {
            try await server.waitUntilReady(timeout: startupTimeout)
        } catch {
            server.stop()
            throw error
        }
        return server
    }

    /// The `llama-server` command line, executable first.
    package static func serverArguments(
        runtime: LocalRuntime, modelAlias: String, port: Int, threads: Int, slots: Int, contextSize: Int, purpose: Purpose
    ) -> [String] {
        let slots = purpose == .embeddings ? 1 : max(1, slots)
        let threads = max(1, threads)
        var arguments = [
            runtime.server, "--model", runtime.model, "--alias", modelAlias,
            "--host", "127.0.0.1", "--port", "\(port)",
            // Each slot has a KV cache of its own: in one shared pool a sequence's cells land
            // wherever the other requests left room, which changes the order of its attention
            // sums, so a seeded answer at temperature > 0 did not repeat (docs/local-runtime.md).
            "--ctx-size", "\(contextSize * slots)", "--no-kv-unified", "--parallel", "\(slots)", "--cont-batching",
            // Every prompt is evaluated whole. A prompt that reuses cached cells (its slot's
            // or another request's shared prefix, which depends on arrival order) gives
            // slightly different logits than one evaluated whole, and a seeded rerun drifted.
            "--no-cache-prompt",
            "--threads", "\(threads)", "--threads-batch", "\(threads)",
            "--no-webui", "--metrics", "--offline", "--log-verbosity", "2",
        ]
        if purpose == .embeddings { arguments += ["--embedding", "--pooling", "mean"] }
        return arguments
    }

    /// Parallel slots of a local entry that does not set `max_concurrency`: a brainwriting
    /// round of four members decodes in one batch.
    package static let defaultSlots = 4

    /// One thread fewer than the cores, at least one. Measured here on 2 cores: with both
    /// cores busy (tests, other agents' work) two generation threads ran about 8 times
    /// slower than one, because llama.cpp's threads spin while waiting for each other.
    package static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount - 1) }

    /// Stops the server: SIGTERM, then SIGKILL after three seconds. Idempotent.
    ///
    /// SIGTERM goes to the watchdog, which passes it on. The SIGKILL is the watchdog's own:
    /// closing the lifeline is what Polyphony's death would do.
    package func stop() {
        guard process.isRunning else { return }
        process.send(SIGTERM)
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        try? lifeline.close()
        let last = Date().addingTimeInterval(3)
        while process.isRunning, Date() < last { usleep(20_000) }
        process.send(SIGKILL)
        process.waitUntilExit()
    }

    /// One value of the server's Prometheus `/metrics` (without the `llamacpp:` prefix), such
    /// as `n_busy_slots_per_decode`: 1.0 when requests are served one at a time, near the
    /// number of slots when they decode together.
    /// - Returns: `nil` when the server does not report it.
    /// - Throws: When the server does not answer.
    package func metric(_ name: String) async throws -> Double? {
        let transport = CurlTransport(maxConnections: 1, timeouts: HTTPTimeouts(connect: 2, firstByte: 10, total: 10))
        let (_, body) = try await transport.send(HTTPOutgoingRequest(url: URL(string: baseURL + "/metrics")!, method: "GET"))
        let line = String(decoding: body, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("llamacpp:\(name) ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    private func waitUntilReady(timeout: Double) async throws {
        let deadline = ContinuousClock.now + .seconds(timeout)
        let probe = HTTPOutgoingRequest(url: URL(string: baseURL + "/health")!, method: "GET")
        let transport = CurlTransport(maxConnections: 1, timeouts: HTTPTimeouts(connect: 2, firstByte: 2, total: 2))
        // The deadline is checked last: a task starved of threads for longer than the
        // timeout (a whole test suite on two cores) still looks at the server once first.
        while true {
            try Task.checkCancellation()
            guard process.isRunning else {
                if logSaysPortTaken() { throw PortTaken() }
                throw PolyphonyError.backend("the local model server exited during start-up: \(logTail())", backend: "local")
            }
            if let (head, _) = try? await transport.send(probe), head.status == 200 {
                return
            }
            guard ContinuousClock.now < deadline else {
                throw PolyphonyError.backend("the local model server did not answer within \(Int(timeout)) s; its log is \(logFile)", backend: "local")
            }
            try await Task.sleep(for: .milliseconds(150))
        }
    }

    /// Whether the log ends in a failure to bind: llama-server's "couldn't bind HTTP server
    /// socket", or "address already in use".
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
}
