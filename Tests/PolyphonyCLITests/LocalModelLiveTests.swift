import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTranscript
import Testing

/// Live tests: the real `polyphony` binary against the real SmolLM2 model on a managed
/// llama.cpp llama-server. `scripts/test.sh` installs the runtime first; when it is
/// missing these tests fail and say how to install it, they never skip.
@Suite(.serialized) struct LocalModelLiveTests {
    static let repository = RunCommandTests.repository

    /// Marks the polyphony processes one test starts; their local model servers inherit it.
    /// Other test runs on the machine (other checkouts, other engineers) start servers too, and
    /// a test must see only its own.
    static let markVariable = "POLYPHONY_TEST_RUN_MARK"

    /// The llama-server processes started under `mark`, from /proc.
    static func serverProcesses(marked mark: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry),
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let command = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            guard command.contains("llama-server"), command.contains("--alias"),
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

    private func workspace(rounds: Int, temperature: Double = 0, structured: Bool = false) throws -> (TemporaryFolder, [String], String) {
        let folder = try TemporaryFolder()
        let session = try folder.write("live.yaml", """
            topic: How might a small town keep its library open on weekends?
            protocol: brainwriting
            rounds: \(rounds)
            seed: 5
            backend: local
            structured_output: \(structured)
            participants:
              - { persona: education-mid, temperature: \(temperature) }
              - { persona: generalist-warm, temperature: \(temperature) }
            limits: { max_tokens_per_turn: \(structured ? 200 : 48), ideas_per_turn: 2 }
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

    @Test func fourRequestsInFlightDecodeTogetherInOneBatch() async throws {
        let runtime = try LocalRuntime.locate(environment: ProcessInfo.processInfo.environment)
        let server = try await LocalModelServer.start(runtime: runtime, modelAlias: "live", slots: 4)
        defer { server.stop() }
        let backend = try HTTPChatBackend(
            configuration: BackendConfiguration(
                name: "live", kind: .openai, baseURL: server.baseURL + "/v1", model: "live", maxConcurrency: 4,
                firstByteTimeoutSeconds: 600, totalTimeoutSeconds: 1200, maxAttempts: 1
            ), apiKey: nil
        )
        let completions = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<4 {
                group.addTask {
                    let request = ChatRequest(
                        messages: [.user("Tell a long story about a lighthouse keeper, part \(index + 1).")],
                        temperature: 0.8, maxTokens: 40, seed: UInt64(index + 1)
                    )
                    var usage: TokenUsage?
                    for try await event in backend.stream(request) {
                        if case .completed(let response) = event { usage = response.usage }
                    }
                    return usage?.completionTokens ?? 0
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(completions.count == 4 && completions.allSatisfy { $0 > 0 }, "every stream reports its usage: \(completions)")
        // Counted by the server itself: one request at a time gives exactly 1.
        let busy = try await server.metric("n_busy_slots_per_decode")
        #expect((busy ?? 0) >= 2.5, "busy slots per llama_decode call: \(busy.map { "\($0)" } ?? "missing")")
    }

    /// With one slot each prompt is evaluated on its own. With several, two prompts that
    /// arrive together are evaluated in one batch, and llama.cpp's CPU kernels give slightly
    /// different logits for a different batch shape, so a parallel phase's rerun may differ
    /// (docs/local-runtime.md, "Seeds").
    @Test func aSeededSessionAboveTemperatureZeroOnOneSlotRepeatsOnARerun() async throws {
        let (folder, session, transcript) = try workspace(rounds: 1, temperature: 0.9)
        let backends = try folder.write("backends.yaml", """
            backends:
              local:
                kind: local
                model: smollm2-135m-instruct
                max_concurrency: 1
            """)
        let arguments = session + ["--backends", backends]
        let first = try await CLIHarness.run(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        let again = folder.path + "/again.jsonl"
        var rerun = arguments
        rerun[rerun.firstIndex(of: "--out")! + 1] = again
        let second = try await CLIHarness.run(rerun)
        #expect(second.status == 0, "\(second.stderr)")
        let answers = try [transcript, again].map { path in
            try TranscriptReader(path: path).readAll().events.turns.map { "\($0.speaker): \($0.response)" }.sorted()
        }
        #expect(answers[0].count == 2)
        #expect(answers[0] == answers[1])
    }

    @Test func structuredIdeasAreParsedListItemsAndTheLocalJudgeParsesEveryReview() async throws {
        let (folder, arguments, transcript) = try workspace(rounds: 1, temperature: 0.7, structured: true)
        let run = try await CLIHarness.run(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        let events = try TranscriptReader(path: transcript).readAll().events
        let turns = events.turns
        #expect(turns.count == 2)
        // Each answer is the schema's JSON, so no idea is the whole answer taken as one.
        for turn in turns {
            let data = Data(turn.response.utf8)
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            let ideas = object?["ideas"] as? [[String: Any]]
            #expect(ideas.map { (1...2).contains($0.count) } == true, "not the idea schema: \(turn.response)")
        }
        #expect(events.ideas.count >= 2)
        #expect(!events.ideas.contains { idea in turns.contains { $0.response.trimmingCharacters(in: .whitespacesAndNewlines) == idea.text } })

        let score = try await CLIHarness.run([
            "score", transcript, "--judge", "local", "--reviews", "1", "--embedder", "lexical", "--json", "--no-save", "--no-cache",
        ], currentDirectory: folder.path)
        #expect(score.status == 0, "\(score.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(score.stdout.utf8)) as? [String: Any]
        let reviewed = Self.values(forKey: "failed_reviews", in: report as Any)
        #expect(!reviewed.isEmpty, "no judged ideas in: \(score.stdout.prefix(300))")
        #expect(reviewed.allSatisfy { ($0 as? Int) == 0 }, "a review failed: \(score.stdout.prefix(600))")
    }

    /// Every value stored under `key` anywhere in a parsed JSON document.
    static func values(forKey key: String, in json: Any) -> [Any] {
        if let object = json as? [String: Any] {
            return (object[key].map { [$0] } ?? []) + object.values.flatMap { values(forKey: key, in: $0) }
        }
        if let array = json as? [Any] { return array.flatMap { values(forKey: key, in: $0) } }
        return []
    }
}
