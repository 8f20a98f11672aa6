import Foundation
import PolyphonyCore
import PolyphonyTranscript
import Testing

/// Live tests: the real `polyphony` binary against the real SmolLM2 model on a managed
/// llama-cpp-python server. `scripts/test.sh` installs the runtime first; when it is
/// missing these tests fail and say how to install it, they never skip.
@Suite(.serialized) struct LocalModelLiveTests {
    static let repository = RunCommandTests.repository

    /// Every llama_cpp.server process on the machine, from /proc.
    static func serverProcesses() -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry),
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let command = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            return command.contains("llama_cpp.server") && command.contains("--model_alias") ? pid : nil
        }
    }

    static func waitUntilNoServer(seconds: Double = 10) async throws -> [Int32] {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if serverProcesses().isEmpty { return [] }
            try await Task.sleep(for: .milliseconds(100))
        }
        return serverProcesses()
    }

    private func workspace(rounds: Int) throws -> (TemporaryFolder, [String], String) {
        let folder = try TemporaryFolder()
        let session = try folder.write("live.yaml", """
            topic: How might a small town keep its library open on weekends?
            protocol: brainwriting
            rounds: \(rounds)
            seed: 5
            backend: local
            participants:
              - { persona: education-mid, temperature: 0 }
              - { persona: generalist-warm, temperature: 0 }
            limits: { max_tokens_per_turn: 48, ideas_per_turn: 2 }
            """)
        let transcript = folder.path + "/live.jsonl"
        let arguments = ["run", session, "--personas", Self.repository + "/personas", "--out", transcript, "--no-cache", "--quiet"]
        return (folder, arguments, transcript)
    }

    @Test func aSessionOnTheLocalModelRecordsEveryTurnIdeaAndUsageAndLeavesNoServer() async throws {
        let (_, arguments, transcript) = try workspace(rounds: 2)
        let result = try await CLIHarness.run(arguments)
        #expect(result.status == 0, "\(result.stderr) — if the runtime is missing: bash scripts/install-local-runtime.sh")
        let events = try TranscriptReader(path: transcript).readAll().events
        guard case .session(let header) = events.first else { Issue.record("no header"); return }
        #expect(header.participants.allSatisfy { $0.backend == "local" && $0.model == "smollm2-135m-instruct" })
        let turns = events.turns
        #expect(turns.count == 4)
        #expect(Set(turns.map(\.speaker)) == ["education-mid", "generalist-warm"])
        #expect(turns.allSatisfy { !$0.response.isEmpty })
        #expect(turns.allSatisfy { ($0.usage?.promptTokens ?? 0) > 0 && ($0.usage?.completionTokens ?? 0) > 0 })
        #expect(events.ideas.count >= 4)
        #expect(events.end?.status == .completed)
        #expect(try await Self.waitUntilNoServer().isEmpty)
    }

    @Test func ctrlCDuringALocalSessionStopsTheServerAndMarksTheSessionInterrupted() async throws {
        let (_, arguments, transcript) = try workspace(rounds: 6)
        let process = try CLIHarness.start(arguments)
        // Wait for the server to be up and the first turn recorded.
        try await RunCommandTests.waitForLines(2, in: transcript)
        #expect(!Self.serverProcesses().isEmpty)
        kill(process.processIdentifier, SIGINT)
        await CLIHarness.wait(process)
        #expect(process.terminationStatus == 130)
        #expect(try TranscriptReader(path: transcript).readAll().events.end?.status == .interrupted)
        #expect(try await Self.waitUntilNoServer().isEmpty)
    }

    @Test func killingPolyphonyOutrightStillTakesTheServerDown() async throws {
        let (_, arguments, transcript) = try workspace(rounds: 6)
        let process = try CLIHarness.start(arguments)
        try await RunCommandTests.waitForLines(2, in: transcript)
        #expect(!Self.serverProcesses().isEmpty)
        kill(process.processIdentifier, SIGKILL)
        await CLIHarness.wait(process)
        #expect(try await Self.waitUntilNoServer().isEmpty)
    }
}
