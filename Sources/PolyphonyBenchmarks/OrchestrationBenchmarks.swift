import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyEngine
import PolyphonyTestSupport
import PolyphonyTranscript

/// A brainwriting phase of 64 agents against a loopback backend with a fixed 50 ms latency.
/// The critical path is 50 ms × ceil(64 / max_concurrency); orchestration overhead is the rest.
let orchestrationSuite = BenchmarkSuite(name: "orchestration", summary: "64-agent brainwriting phase vs its critical path (50 ms per request)") {
    let latency = 0.050
    let agents = 64
    let server = try FakeLLMServer(options: .init(latency: .milliseconds(50)))
    defer { server.stop() }
    for concurrency in [8, 16, 64] {
        let config = server.configuration(name: "fake", kind: .openai, maxConcurrency: concurrency)
        let backend = try makeBackend(config, environment: [:], cacheDirectory: nil)
        let members = (0..<agents).map { index in
            Participant(
                id: "agent-\(index)", persona: Persona(id: "agent-\(index)", name: "Agent \(index)", role: .member, body: "You are agent \(index)."),
                seat: .member, backend: backend, backendName: "fake", model: nil, temperature: nil
            )
        }
        let cast = Cast(members: members)
        let rounds = 3
        let criticalPath = latency * Double(rounds) * (Double(agents) / Double(concurrency)).rounded(.up)
        let median = try await measure("\(agents) agents × \(rounds) rounds, max_concurrency \(concurrency)", iterations: 5) {
            let path = NSTemporaryDirectory() + "bench-\(UUID().uuidString).jsonl"
            defer { try? FileManager.default.removeItem(atPath: path) }
            let header = SessionHeader(
                sessionId: "bench", toolVersion: "bench", topic: "Cool streets", protocolName: "brainwriting", rounds: rounds,
                participants: cast.everyone.map(\.snapshot), seed: 1, startedAt: Date(), limits: SessionLimits(ideasPerTurn: 3)
            )
            let orchestrator = Orchestrator(header: header, cast: cast, protocol: BrainwritingProtocol(), writer: try TranscriptWriter(path: path))
            let end = try await orchestrator.run()
            guard end.status == .completed, end.totals.turns == agents * rounds else {
                throw PolyphonyError.invalidInput("benchmark session ended \(end.status.rawValue): \(end.reason ?? "")")
            }
        }
        print(String(format: "    critical path %.0f ms → ratio %.3f (%.1f ms per phase over the %.0f ms path)", criticalPath * 1000, median / criticalPath, (median - criticalPath) * 1000 / Double(rounds), criticalPath * 1000 / Double(rounds)))
    }
}
