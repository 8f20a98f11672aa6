import Foundation
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// `polyphony run` keeps what arrived when something fails, repeats scripted humans exactly,
/// and reports retries: the real binary against fake LLM servers on 127.0.0.1.
@Suite struct RunRecoveryTests {
    typealias Workspace = RunCommandTests.Workspace

    /// The transcript's lines after the header as JSON without timing (`at`, `latency_ms`),
    /// leaving out the note a resumed run starts with.
    static func untimedEvents(_ path: String) throws -> [String] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst()
        return try lines.compactMap { line in
            guard var object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            if object["type"] as? String == "note", (object["text"] as? String)?.hasPrefix("resumed ") == true { return nil }
            object["at"] = nil
            object["latency_ms"] = nil
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            return String(decoding: data, as: UTF8.self)
        }
    }

    @Test func whenOneAgentFailsForGoodThePipedHumanAndTheOthersAreKeptAndResumeAsksOnlyForTheMissingTurn() async throws {
        let good = try FakeLLMServer()
        defer { good.stop() }
        let broken = try FakeLLMServer()
        defer { broken.stop() }
        broken.inject(.serverError, times: 1_000)
        // The failing seat speaks first, so the human's and hci-mid's results wait behind it.
        let workspace = try Workspace(server: good, session: RunCommandTests.sessionYAML(
            protocol: "brainwriting", rounds: 1, participants: ["persona: generalist-blunt\n    backend: broken", "human", "hci-mid"]))
        func writeBackends(brokenURL: String) throws {
            try workspace.folder.write("backends.yaml", good.backendsYAML(kinds: [.openai]) + """
                  broken:
                    kind: openai
                    base_url: \(brokenURL)
                    model: fake-model
                    max_attempts: 3
                    retry_base_delay: 0.01

                """)
        }
        try writeBackends(brokenURL: broken.baseURL(for: .openai))
        let first = try await CLIHarness.run(workspace.arguments + ["--quiet"], stdin: "1. Shade sails over every bus stop\n2. Free water refills at corner shops\n\n")
        #expect(first.status == 1, "\(first.stderr)")
        #expect(broken.requestCount == 3)
        let failed = try workspace.events()
        #expect(failed.end?.status == .failed)
        #expect(failed.turns.map(\.speaker) == ["human", "hci-mid"])
        #expect(failed.ideas.filter { $0.author == "human" }.map(\.text) == ["Shade sails over every bus stop", "Free water refills at corner shops"])

        // The server is healed: the broken entry now reaches the good one.
        try writeBackends(brokenURL: good.baseURL(for: .openai))
        good.resetStatistics()
        let resumed = try await CLIHarness.run(["run", "--resume", workspace.transcript, "--backends", workspace.folder.path + "/backends.yaml", "--no-cache", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(good.requestCount == 1)
        let events = try workspace.events()
        #expect(events.end?.status == .completed)
        #expect(events.turns.map(\.speaker) == ["human", "hci-mid", "generalist-blunt"])
        #expect(events.turns.filter { $0.kind == .human }.count == 1)
        #expect(!events.notes.contains { $0.text.hasPrefix("human skipped") })
        let validate = try await CLIHarness.run(["transcript", "validate", workspace.transcript])
        #expect(validate.status == 0, "\(validate.stderr)")
    }

    @Test func aResponseCacheThatCannotBeWrittenIsAWarningNotAFailedTurn() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try Workspace(server: server, session: RunCommandTests.sessionYAML(protocol: "brainwriting", rounds: 2, participants: ["hci-mid", "generalist-tinkerer"]))
        // A cache folder below a regular file can never be created, not even by root.
        let blocker = try workspace.folder.write("not-a-folder", "")
        let arguments = workspace.arguments.filter { $0 != "--no-cache" } + ["--cache-dir", blocker + "/cache", "--quiet"]
        let result = try await CLIHarness.run(arguments)
        #expect(result.status == 0, "\(result.stderr)")
        let events = try workspace.events()
        #expect(events.end?.status == .completed)
        #expect(events.turns.count == 4)
        let warnings = result.stderr.split(separator: "\n")
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("polyphony: warning: response cache not written") == true, "\(result.stderr)")
    }

    @Test func aNegativeHumanTimeoutIsAUsageError() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try Workspace(server: server, session: RunCommandTests.sessionYAML(protocol: "solo", rounds: 1, participants: ["hci-mid"]))
        let result = try await CLIHarness.run(workspace.arguments + ["--human-timeout=-5"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--human-timeout"), "\(result.stderr)")
        #expect(server.requestCount == 0)
        #expect(!FileManager.default.fileExists(atPath: workspace.transcript))
    }

    @Test func aRetryIsANoteBeforeItsTurnAndShowsInTheLiveView() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        server.inject(.rateLimited(retryAfter: "1"))
        let workspace = try Workspace(server: server, session: RunCommandTests.sessionYAML(protocol: "solo", rounds: 1, participants: ["urban-planning-senior"]))
        let result = try await CLIHarness.run(workspace.arguments)
        #expect(result.status == 0, "\(result.stderr)")
        let expected = "urban-planning-senior: openai answered HTTP 429; retried after 1 s"
        let events = try workspace.events()
        let noteIndex = try #require(events.firstIndex { if case .note(let note) = $0 { note.text == expected && note.round == 1 } else { false } })
        guard case .turn(let turn) = events[noteIndex + 1] else {
            Issue.record("the retry note is not followed by its turn")
            return
        }
        #expect(turn.attempts == 2)
        #expect(result.stdout.contains("[note] \(expected)"))
    }

    static let scriptedSession = """
        /inject Older people living alone are most at risk
        Cool roofs on every school

        /skip
        @round 3
        /inject Consider the night-shift workers
        1. Misting at tram stops
        2. Free water refills at corner shops

        """

    @Test func sixRunsOfOneHumanScriptRecordTheSameEvents() async throws {
        let server = try FakeLLMServer(options: .init(latency: .milliseconds(20)))
        defer { server.stop() }
        let script = """
            /inject Think about the elderly first
            1. Shade sails over every bus stop

            /inject Night-time heat matters most
            Open the pools late at night

            """
        var runs: [[String]] = []
        for _ in 0..<6 {
            let workspace = try Workspace(server: server, session: RunCommandTests.sessionYAML(protocol: "brainwriting", rounds: 2, participants: ["human", "hci-mid", "generalist-tinkerer"]))
            let file = try workspace.folder.write("human.txt", script)
            let result = try await CLIHarness.run(workspace.arguments + ["--quiet", "--human-script", file])
            #expect(result.status == 0, "\(result.stderr)")
            let injects = try workspace.events().turns.filter { $0.phase.hasPrefix("inject:") }
            #expect(injects.map(\.round) == [1, 2])
            #expect(injects.map(\.response) == ["Think about the elderly first", "Night-time heat matters most"])
            runs.append(try Self.untimedEvents(workspace.transcript))
        }
        #expect(runs.allSatisfy { $0 == runs[0] })
    }

    /// The server kills the scripted session with SIGKILL while it answers request number
    /// `killAtRequest` (of 6); the resumed run must record what an uninterrupted run records.
    @Test(arguments: [2, 3, 4, 5, 6])
    func aKilledScriptedSessionResumesToTheEventsOfAnUninterruptedOne(killAtRequest: Int) async throws {
        let participants = ["hci-mid", "human", "generalist-tinkerer"]
        let plain = try FakeLLMServer()
        defer { plain.stop() }
        let reference = try Workspace(server: plain, session: RunCommandTests.sessionYAML(protocol: "round-robin", rounds: 3, participants: participants))
        let referenceScript = try reference.folder.write("human.txt", Self.scriptedSession)
        let whole = try await CLIHarness.run(reference.arguments + ["--quiet", "--human-script", referenceScript])
        #expect(whole.status == 0, "\(whole.stderr)")

        let target = SignalOnRequest(SIGKILL, atRequest: killAtRequest)
        let server = try FakeLLMServer(responder: target.responder)
        defer { server.stop() }
        let workspace = try Workspace(server: server, session: RunCommandTests.sessionYAML(protocol: "round-robin", rounds: 3, participants: participants))
        let script = try workspace.folder.write("human.txt", Self.scriptedSession)
        let killed = try CLIHarness.start(workspace.arguments + ["--quiet", "--human-script", script])
        target.target(killed.processIdentifier)
        await CLIHarness.wait(killed)
        #expect(killed.terminationReason == .uncaughtSignal)
        let resumed = try await CLIHarness.run(["run", "--resume", workspace.transcript, "--backends", workspace.folder.path + "/backends.yaml", "--no-cache", "--quiet", "--human-script", script])
        #expect(resumed.status == 0, "\(resumed.stderr)")

        let expected = try Self.untimedEvents(reference.transcript)
        let actual = try Self.untimedEvents(workspace.transcript)
        #expect(actual == expected)
        #expect(try reference.events().turns.filter { $0.phase.hasPrefix("inject:") }.map(\.round) == [1, 3])
    }
}
