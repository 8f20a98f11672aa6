import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyEngine
import PolyphonyTranscript

#if canImport(Glibc)
import Glibc
#endif

/// Orchestration overhead against an out-of-process server: `polyphony-fake-server` (built
/// next to this binary) answers every request after a fixed 50 ms, in a process of its own, so
/// its work is not counted as ours and ours not as its.
///
/// - sequential: a 6-member round-robin session of 5 rounds (30 streamed turns), durable
///   transcript, events consumed as the live view does. Reports our cost per turn: wall time
///   minus the server's busy time (the time it was answering a request), divided by the turns.
/// - parallel: a 64-member brainwriting session of 3 rounds, `max_concurrency` 64, durable
///   transcript. Reports the ratio to the critical path (3 × 50 ms).
///
/// Environment: `POLYPHONY_BENCH_PARTS` (sequential, parallel), `POLYPHONY_BENCH_ITERATIONS`
/// (default 5; 0 runs each session once, without a warm-up, for callgrind), `POLYPHONY_BENCH_ROUNDS` (overrides both sessions' rounds, e.g. for callgrind
/// runs that difference two sizes), `POLYPHONY_BENCH_LATENCY_MS` (default 50).
let overheadSuite = BenchmarkSuite(name: "overhead", summary: "our cost per turn and per 64-agent phase against polyphony-fake-server (50 ms per request, out of process)") {
    let environment = ProcessInfo.processInfo.environment
    let parts = Set((environment["POLYPHONY_BENCH_PARTS"] ?? "sequential,parallel").split(separator: ",").map(String.init))
    let iterations = Int(environment["POLYPHONY_BENCH_ITERATIONS"] ?? "") ?? 5
    let latencyMs = Int(environment["POLYPHONY_BENCH_LATENCY_MS"] ?? "") ?? 50
    let rounds = Int(environment["POLYPHONY_BENCH_ROUNDS"] ?? "")
    let server = try ExternalFakeServer(latencyMs: latencyMs)
    defer { server.stop() }
    if let load = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) {
        print("  load average: \(load.split(separator: " ").prefix(3).joined(separator: " ")) on \(ProcessInfo.processInfo.activeProcessorCount) cores")
    }
    if parts.contains("sequential") {
        try await Overhead.session(
            label: "sequential: round-robin, 6 members", protocol: RoundRobinProtocol(), members: 6, rounds: rounds ?? 5,
            concurrency: 8, parallel: false, latencyMs: latencyMs, iterations: iterations, server: server
        )
    }
    if parts.contains("parallel") {
        try await Overhead.session(
            label: "parallel: brainwriting, 64 members", protocol: BrainwritingProtocol(), members: 64, rounds: rounds ?? 3,
            concurrency: 64, parallel: true, latencyMs: latencyMs, iterations: iterations, server: server
        )
    }
}

enum Overhead {
    /// Runs one session shape `iterations` times (after a warm-up) and prints the median's ratios.
    static func session(
        label: String, protocol ideationProtocol: any IdeationProtocol, members count: Int, rounds: Int, concurrency: Int,
        parallel: Bool, latencyMs: Int, iterations: Int, server: ExternalFakeServer
    ) async throws {
        let config = BackendConfiguration(
            name: "fake", kind: .openai, baseURL: server.baseURL + "/v1", model: "fake-model", maxConcurrency: concurrency,
            connectTimeoutSeconds: 5, firstByteTimeoutSeconds: 30, totalTimeoutSeconds: 60, maxAttempts: 1
        )
        let backend = try makeBackend(config, environment: [:], cacheDirectory: nil)
        let members = (0..<count).map { index in
            Participant(
                id: "agent-\(index)", persona: Persona(id: "agent-\(index)", name: "Agent \(index)", role: .member, body: "You are agent \(index), one voice among many."),
                seat: .member, backend: backend, backendName: "fake", model: nil, temperature: nil
            )
        }
        let cast = Cast(members: members)
        let turns = count * rounds
        var samples: [(wall: Double, busy: Double, cpu: Double)] = []
        for iteration in 0...iterations {
            let path = NSTemporaryDirectory() + "bench-overhead-\(UUID().uuidString).jsonl"
            defer { try? FileManager.default.removeItem(atPath: path) }
            let header = SessionHeader(
                sessionId: "bench-overhead", toolVersion: "bench", topic: "How might a city keep its streets cool in heatwaves?",
                protocolName: type(of: ideationProtocol).name, rounds: rounds, participants: cast.everyone.map(\.snapshot), seed: 1,
                startedAt: Date(), limits: SessionLimits(ideasPerTurn: 3)
            )
            let (events, continuation) = AsyncStream<SessionEvent>.makeStream()
            let orchestrator = Orchestrator(header: header, cast: cast, protocol: ideationProtocol, writer: try TranscriptWriter(path: path), events: continuation)
            try server.resetStatistics()
            let clock = ContinuousClock()
            let cpuStart = Overhead.cpuSeconds()
            let start = clock.now
            // The events are consumed as the live view does: rendered to text, written nowhere.
            let consumer = Task { () -> Int in
                var characters = 0
                for await event in events { characters += Overhead.render(event) }
                return characters
            }
            let end = try await orchestrator.run()
            continuation.finish()
            _ = await consumer.value
            let wall = seconds(clock.now - start)
            let cpu = Overhead.cpuSeconds() - cpuStart
            guard end.status == .completed, end.totals.turns == turns else {
                throw PolyphonyError.invalidInput("benchmark session ended \(end.status.rawValue): \(end.reason ?? "")")
            }
            let busy = try server.busySeconds()
            if iteration > 0 || iterations == 0 { samples.append((wall, busy, cpu)) }
        }
        samples.sort { $0.wall < $1.wall }
        let median = samples[samples.count / 2]
        let criticalPath = Double(latencyMs) / 1000 * Double(rounds) * (parallel ? (Double(count) / Double(concurrency)).rounded(.up) : Double(count))
        print(String(format: "  %@ × %d rounds (%d turns): wall min %.1f median %.1f max %.1f ms",
                     label as NSString, rounds, turns, samples.first!.wall * 1e3, median.wall * 1e3, samples.last!.wall * 1e3))
        print(String(format: "    critical path %.0f ms (%d ms per request) → ratio %.3f; server busy %.1f ms → ours %.2f ms per turn, %.1f ms per phase",
                     criticalPath * 1e3, latencyMs, median.wall / criticalPath, median.busy * 1e3,
                     (median.wall - median.busy) * 1e3 / Double(turns), (median.wall - median.busy) * 1e3 / Double(parallel ? rounds : turns)))
        let cpu = samples.map(\.cpu).sorted()[samples.count / 2]
        print(String(format: "    our CPU (user + system, this process only): median %.1f ms per session, %.2f ms per turn", cpu * 1e3, cpu * 1e3 / Double(turns)))
    }

    /// Roughly what the live view does with an event: builds its text.
    static func render(_ event: SessionEvent) -> Int {
        switch event {
        case .delta(_, let text): return text.utf8.count
        case .recorded(.turn(let turn)): return turn.response.utf8.count + turn.speaker.utf8.count
        case .recorded(.idea(let idea)): return idea.text.utf8.count
        default: return 1
        }
    }

    /// CPU time this process has used so far, all threads, user and system.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}

/// `polyphony-fake-server --control` as a child process, driven over its standard input
/// (`stats`, `reset`); it ends when its input closes, also when this process dies.
final class ExternalFakeServer: @unchecked Sendable {
    let baseURL: String
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffered = Data()

    init(latencyMs: Int) throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("polyphony-fake-server")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw PolyphonyError.invalidInput("no polyphony-fake-server next to polyphony-bench; build it with `swift build -c release --product polyphony-fake-server`")
        }
        process.executableURL = binary
        process.arguments = ["--latency-ms", String(latencyMs), "--control"]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var url = ""
        // Read the base URL; the process closes nothing, so this returns once it printed it.
        url = try Self.line(from: output, buffer: &buffered)
        guard url.hasPrefix("http://") else { throw PolyphonyError.invalidInput("polyphony-fake-server said \(url)") }
        baseURL = url
    }

    func resetStatistics() throws {
        input.fileHandleForWriting.write(Data("reset\n".utf8))
        _ = try Self.line(from: output, buffer: &buffered)
    }

    /// How long the server was answering at least one request since the last reset.
    func busySeconds() throws -> Double {
        input.fileHandleForWriting.write(Data("stats\n".utf8))
        let reply = try Self.line(from: output, buffer: &buffered)
        let fields = Dictionary(reply.split(separator: " ").compactMap { pair -> (String, String)? in
            let parts = pair.split(separator: "=", maxSplits: 1)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }, uniquingKeysWith: { $1 })
        guard let busy = fields["busy_ms"].flatMap(Double.init) else { throw PolyphonyError.invalidInput("polyphony-fake-server said \(reply)") }
        return busy / 1000
    }

    /// Closes the server's stdin, which ends it.
    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    private static func line(from pipe: Pipe, buffer: inout Data) throws -> String {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer = Data(buffer[(newline + 1)...])
                return line
            }
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { throw PolyphonyError.invalidInput("polyphony-fake-server ended early") }
            buffer.append(chunk)
        }
    }
}
