import Foundation
import PolyphonyCore
import PolyphonyTranscript

/// Transcript reading throughput: DESIGN.md asks for hundreds of thousands of events per second.
let transcriptSuite = BenchmarkSuite(name: "transcript", summary: "stream-read a 200,000-event transcript") {
    let path = NSTemporaryDirectory() + "polyphony-bench-\(UUID().uuidString).jsonl"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let writer = try TranscriptWriter(path: path, durable: false)
    let persona = Persona(id: "a", name: "A", role: .member, body: "voice")
    try await writer.append(.session(SessionHeader(
        sessionId: "bench", toolVersion: "bench", topic: "t", protocolName: "brainwriting", rounds: 1,
        participants: [ParticipantSnapshot(id: "a", persona: persona)], startedAt: Date()
    )))
    let events = 200_000
    for index in 0..<events {
        if index % 2 == 0 {
            try await writer.append(.idea(IdeaRecord(id: "i\(index)", author: "a", round: 1, text: "A short idea about cities and rivers number \(index)", turn: index)))
        } else {
            try await writer.append(.turn(TurnRecord(
                index: index, round: 1, phase: "ideate", speaker: "a", kind: .agent, model: "m",
                messagesDigest: String(repeating: "ab", count: 32), response: "1. An idea\n2. Another idea",
                finishReason: .stop, usage: TokenUsage(promptTokens: 120, completionTokens: 40),
                latencyMs: 50, attempts: 1, at: Date()
            )))
        }
    }
    await writer.close()
    let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    // The reference is the earlier implementation: `JSONDecoder` on every line, which the fast
    // path still falls back to for headers and anything unusual. CPU time is printed beside
    // wall time because it depends much less on what else runs on the machine.
    func read(_ label: String, _ decoding: TranscriptReader.Decoding, iterations: Int) async throws -> (wall: Double, cpu: Double) {
        let cpuBefore = processCPUSeconds()
        let wall = try await measure(label, iterations: iterations) {
            let summary = try TranscriptReader(path: path, decoding: decoding).forEach { _, _ in }
            precondition(summary.events == events + 1)
        }
        return (wall, (processCPUSeconds() - cpuBefore) / Double(iterations + 1))
    }
    let before = try await read("read \(events) events, JSONDecoder (before)", .reference, iterations: 3)
    let after = try await read("read \(events) events (\(size / 1_048_576) MiB)", .fast, iterations: 5)
    let count = Double(events + 1)
    print(String(format: "  throughput: %.0f events/s wall, %.0f per CPU-second (before: %.0f wall, %.0f per CPU-second)",
                 count / after.wall, count / after.cpu, count / before.wall, count / before.cpu))
    print(String(format: "  after/before: %.2f× wall, %.2f× CPU", before.wall / after.wall, before.cpu / after.cpu))
}
