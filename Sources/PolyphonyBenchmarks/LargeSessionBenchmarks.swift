import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyEngine
import PolyphonyTestSupport
import PolyphonyTranscript

/// Sessions with many seats (20,000 by default; `POLYPHONY_BENCH_SEATS` overrides) against
/// the loopback fake with 2 ms latency and `max_concurrency` 16:
///
/// - turns/s over the first and the last 1,000 turns of a brainwriting phase and of a
///   round-robin round: per-turn cost must not grow with the turns already recorded;
/// - cancellation in the middle of the brainwriting phase: how long `run()` takes to return,
///   and how many requests reach the server after the cancel;
/// - when the `polyphony` binary sits next to this one (`swift build -c release`), the same
///   through the command line: SIGTERM half-way, time to exit, requests after the signal.
///
/// `POLYPHONY_BENCH_PARTS` (comma-separated: brainwriting, round-robin, cancel, cli) runs a subset.
let largeSessionSuite = BenchmarkSuite(name: "large-session", summary: "20,000 seats: turns/s early vs late, cancel latency (in-process and SIGTERM to the CLI)") {
    let seats = Int(ProcessInfo.processInfo.environment["POLYPHONY_BENCH_SEATS"] ?? "") ?? 20_000
    let window = min(1_000, max(1, seats / 4))
    let server = try FakeLLMServer(options: .init(latency: .milliseconds(2)))
    defer { server.stop() }
    let config = server.configuration(name: "fake", kind: .openai, maxConcurrency: 16)
    let backend = try makeBackend(config, environment: [:], cacheDirectory: nil)
    let members = (0..<seats).map { index in
        Participant(
            id: "agent-\(index)", persona: Persona(id: "agent-\(index)", name: "Agent \(index)", role: .member, body: "You are agent \(index)."),
            seat: .member, backend: backend, backendName: "fake", model: nil, temperature: nil
        )
    }
    let cast = Cast(members: members)
    let parts = Set((ProcessInfo.processInfo.environment["POLYPHONY_BENCH_PARTS"] ?? "brainwriting,round-robin,cancel,cli").split(separator: ",").map(String.init))

    for protocolType in [BrainwritingProtocol.self, RoundRobinProtocol.self] as [any IdeationProtocol.Type] where parts.contains(protocolType.name) {
        let run = try await LargeSession.run(protocolType, cast: cast, cancelAfterTurns: nil, server: server)
        let early = LargeSession.rate(run.turnTimes.prefix(window))
        let late = LargeSession.rate(run.turnTimes.suffix(window))
        print(String(format: "  %@ %d seats: %d turns in %.1f s; first %d turns %.0f turns/s, last %d turns %.0f turns/s (late/early %.2f)",
                     protocolType.name as NSString, seats, run.turnTimes.count, run.elapsed, window, early, window, late, late / early))
        let tenth = max(2, run.turnTimes.count / 10)
        let deciles = stride(from: 0, to: run.turnTimes.count - 1, by: tenth).map { start in
            String(format: "%.0f", LargeSession.rate(run.turnTimes[start..<min(run.turnTimes.count, start + tenth)]))
        }
        print("    turns/s by tenth of the session: " + deciles.joined(separator: " "))
    }

    if parts.contains("cancel") {
        let cancelAt = seats / 2
        let cancelled = try await LargeSession.run(BrainwritingProtocol.self, cast: cast, cancelAfterTurns: cancelAt, server: server)
        print(String(format: "  brainwriting %d seats, cancelled after %d turns: run() returned %.3f s after the cancel; %d requests reached the server afterwards; end status %@",
                     seats, cancelAt, cancelled.cancelLatency ?? -1, cancelled.requestsAfterCancel ?? -1, cancelled.status.rawValue as NSString))
    }

    if parts.contains("cli") { try await LargeSession.commandLine(seats: seats, server: server) }
}

enum LargeSession {
    struct Result {
        var turnTimes: [Double] = []
        var elapsed: Double = 0
        var cancelLatency: Double?
        var requestsAfterCancel: Int?
        var status: EndRecord.Status = .completed
    }

    /// Turns per second over a run of turn completion times.
    static func rate(_ times: ArraySlice<Double>) -> Double {
        guard let first = times.first, let last = times.last, times.count > 1, last > first else { return 0 }
        return Double(times.count - 1) / (last - first)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    /// Runs one round of `protocolType`, timing every recorded turn; cancels the run after
    /// `cancelAfterTurns` turns when given.
    static func run(_ protocolType: any IdeationProtocol.Type, cast: Cast, cancelAfterTurns: Int?, server: FakeLLMServer) async throws -> Result {
        let path = NSTemporaryDirectory() + "bench-large-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let header = SessionHeader(
            sessionId: "bench-large", toolVersion: "bench", topic: "Cool streets", protocolName: protocolType.name, rounds: 1,
            participants: cast.everyone.map(\.snapshot), seed: 1, startedAt: Date(), limits: SessionLimits(ideasPerTurn: 3)
        )
        let (events, continuation) = AsyncStream<SessionEvent>.makeStream()
        let orchestrator = Orchestrator(
            header: header, cast: cast, protocol: protocolType.init(), writer: try TranscriptWriter(path: path, durable: false),
            events: continuation
        )
        let clock = ContinuousClock()
        let start = clock.now
        let session = Task { () throws -> EndRecord in
            defer { continuation.finish() }
            return try await orchestrator.run()
        }
        var result = Result()
        var cancelledAt: ContinuousClock.Instant?
        var requestsAtCancel = 0
        for await event in events {
            guard case .recorded(.turn) = event else { continue }
            result.turnTimes.append(seconds(clock.now - start))
            if let cancelAfterTurns, cancelledAt == nil, result.turnTimes.count >= cancelAfterTurns {
                requestsAtCancel = server.requestCount
                cancelledAt = clock.now
                session.cancel()
            }
        }
        let end = try await session.value
        result.elapsed = seconds(clock.now - start)
        result.status = end.status
        if let cancelledAt {
            result.cancelLatency = seconds(clock.now - cancelledAt)
            // Requests already sent when the cancel came may still be read by the server.
            try await Task.sleep(for: .milliseconds(200))
            result.requestsAfterCancel = server.requestCount - requestsAtCancel
        }
        server.resetStatistics()
        return result
    }

    /// SIGTERM to the real binary half-way through a brainwriting phase of `seats` seats.
    static func commandLine(seats: Int, server: FakeLLMServer) async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("polyphony")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            print("  (no polyphony binary next to polyphony-bench; `swift build -c release` first for the SIGTERM measurement)")
            return
        }
        let folder = NSTemporaryDirectory() + "polyphony-bench-\(seats)-seats"
        let personas = folder + "/personas"
        try FileManager.default.createDirectory(atPath: personas, withIntermediateDirectories: true)
        if (try? FileManager.default.contentsOfDirectory(atPath: personas).count) != seats {
            for index in 0..<seats {
                let text = "---\nid: seat-\(index)\nname: Seat \(index)\nrole: member\nexpertise: []\n---\nYou are seat \(index), one voice among many.\n"
                try text.write(toFile: personas + "/seat-\(index).md", atomically: false, encoding: .utf8)
            }
        }
        var session = "topic: How might a city keep streets cool in heatwaves?\nprotocol: brainwriting\nrounds: 1\nseed: 3\nbackend: fake\nparticipants:\n"
        for index in 0..<seats { session += "  - seat-\(index)\n" }
        try session.write(toFile: folder + "/session.yaml", atomically: true, encoding: .utf8)
        let backends = "backends:\n  fake:\n    kind: openai\n    base_url: \(server.baseURL(for: .openai))\n    model: fake-model\n    max_concurrency: 16\n"
        try backends.write(toFile: folder + "/backends.yaml", atomically: true, encoding: .utf8)
        let transcript = folder + "/transcript-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: transcript) }

        let process = Process()
        process.executableURL = binary
        process.arguments = ["run", folder + "/session.yaml", "--personas", personas, "--backends", folder + "/backends.yaml", "--out", transcript, "--no-cache", "--quiet"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let clock = ContinuousClock()
        let started = clock.now
        server.resetStatistics()
        try process.run()
        // Sample the transcript's turn count to get turns/s early and late, and signal half-way.
        let counter = TurnCounter(path: transcript)
        var samples: [(Double, Int)] = []
        var signalled: ContinuousClock.Instant?
        var requestsAtSignal = 0
        while process.isRunning {
            try await Task.sleep(for: .milliseconds(250))
            let turns = counter.update()
            samples.append((seconds(clock.now - started), turns))
            if signalled == nil, turns >= seats / 2 {
                requestsAtSignal = server.requestCount
                signalled = clock.now
                kill(process.processIdentifier, SIGTERM)
            }
        }
        process.waitUntilExit()
        let exited = clock.now
        let firstTurn = samples.first { $0.1 > 0 }
        let rateAt = { (from: Int, to: Int) -> Double in
            guard let a = samples.first(where: { $0.1 >= from }), let b = samples.first(where: { $0.1 >= to }), b.0 > a.0 else { return 0 }
            return Double(b.1 - a.1) / (b.0 - a.0)
        }
        try await Task.sleep(for: .milliseconds(200))
        print(String(format: "  CLI brainwriting %d seats: first turn after %.1f s; %.0f turns/s over turns 1k–3k, %.0f turns/s over the 2k turns before the signal",
                     seats, firstTurn?.0 ?? -1, rateAt(1_000, 3_000), rateAt(max(0, seats / 2 - 2_000), seats / 2)))
        if let signalled {
            print(String(format: "  CLI SIGTERM after %d turns: exited %.3f s later with status %d; %d requests reached the server after the signal",
                         seats / 2, seconds(exited - signalled), process.terminationStatus, server.requestCount - requestsAtSignal))
        } else {
            print("  CLI session ended (status \(process.terminationStatus)) before half-way; no signal sent")
        }
    }

    /// Counts turn lines appended to a transcript since the last call, reading only new bytes.
    final class TurnCounter {
        let path: String
        private var offset: UInt64 = 0
        private var partial = Data()
        private(set) var turns = 0

        init(path: String) { self.path = path }

        func update() -> Int {
            guard let handle = FileHandle(forReadingAtPath: path) else { return turns }
            defer { try? handle.close() }
            try? handle.seek(toOffset: offset)
            let chunk = handle.readDataToEndOfFile()
            offset += UInt64(chunk.count)
            partial.append(chunk)
            let needle = Data(#""type":"turn""#.utf8)
            var start = partial.startIndex
            while let newline = partial[start...].firstIndex(of: 0x0A) {
                if partial[start..<newline].range(of: needle) != nil { turns += 1 }
                start = newline + 1
            }
            partial = Data(partial[start...])
            return turns
        }
    }
}
