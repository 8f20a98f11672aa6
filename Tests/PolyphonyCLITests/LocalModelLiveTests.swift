import Foundation
import PolyphonyCore
import PolyphonyTranscript
import Testing

/// Live tests: the real `polyphony` binary against the real SmolLM2 model on a managed
/// llama-cpp-python server. `scripts/test.sh` installs the runtime first; when it is
/// missing these tests fail and say how to install it, they never skip.
@Suite(.serialized) struct LocalModelLiveTests {
    static let repository = RunCommandTests.repository

    /// Marks the polyphony processes one test starts; their local model servers inherit it.
    /// Other test runs on the machine (other checkouts, other engineers) start servers too, and
    /// a test must see only its own.
    static let markVariable = "POLYPHONY_TEST_RUN_MARK"

    /// The llama_cpp.server processes started under `mark`, from /proc.
    static func serverProcesses(marked mark: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry),
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let command = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            guard command.contains("llama_cpp.server"), command.contains("--model_alias"),
                  let environment = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { return nil }
            let variables = environment.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return variables.contains("\(markVariable)=\(mark)") ? pid : nil
        }
    }

    /// Waits until no server of `mark` is left; the bound is a hang guard, not a measurement.
    static func waitUntilNoServer(marked mark: String, seconds: Int = 120) async throws -> [Int32] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if serverProcesses(marked: mark).isEmpty { return [] }
            try await Task.sleep(for: .milliseconds(100))
        }
        return serverProcesses(marked: mark)
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
        let mark = UUID().uuidString
        let result = try await CLIHarness.run(arguments, environment: [Self.markVariable: mark])
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
        #expect(try await Self.waitUntilNoServer(marked: mark).isEmpty)
    }

    @Test func ctrlCDuringALocalSessionStopsTheServerAndMarksTheSessionInterrupted() async throws {
        let (_, arguments, transcript) = try workspace(rounds: 6)
        let mark = UUID().uuidString
        let process = try CLIHarness.start(arguments, environment: [Self.markVariable: mark])
        // Wait for the server to be up and the first turn recorded.
        try await RunCommandTests.waitForLines(2, in: transcript)
        #expect(!Self.serverProcesses(marked: mark).isEmpty)
        kill(process.processIdentifier, SIGINT)
        await CLIHarness.wait(process)
        #expect(process.terminationStatus == 130)
        #expect(try TranscriptReader(path: transcript).readAll().events.end?.status == .interrupted)
        #expect(try await Self.waitUntilNoServer(marked: mark).isEmpty)
    }

    @Test func killingPolyphonyOutrightStillTakesTheServerDown() async throws {
        let (_, arguments, transcript) = try workspace(rounds: 6)
        let mark = UUID().uuidString
        let process = try CLIHarness.start(arguments, environment: [Self.markVariable: mark])
        try await RunCommandTests.waitForLines(2, in: transcript)
        #expect(!Self.serverProcesses(marked: mark).isEmpty)
        kill(process.processIdentifier, SIGKILL)
        await CLIHarness.wait(process)
        #expect(try await Self.waitUntilNoServer(marked: mark).isEmpty)
    }
}
