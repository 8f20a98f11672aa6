import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import PolyphonyTranscript
import Synchronization
import Testing

/// End-to-end: the real `polyphony` binary against a fake LLM server on 127.0.0.1.
@Suite struct RunCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A folder with a backends file pointing at `server` and a session file.
    struct Workspace {
        let folder: TemporaryFolder
        let session: String
        let transcript: String

        init(server: FakeLLMServer, session yaml: String, kind: BackendConfiguration.Kind = .openai) throws {
            folder = try TemporaryFolder()
            try folder.write("backends.yaml", server.backendsYAML(kinds: [.openai, .anthropic, .ollama, .gemini]))
            session = try folder.write("session.yaml", yaml)
            transcript = folder.path + "/transcript.jsonl"
        }

        var arguments: [String] {
            ["run", session, "--personas", RunCommandTests.repository + "/personas", "--backends", folder.path + "/backends.yaml", "--out", transcript, "--no-cache"]
        }

        func events() throws -> [TranscriptEvent] { try TranscriptReader(path: transcript).readAll().events }
    }

    static func sessionYAML(protocol name: String, rounds: Int, participants: [String], backend: String = "openai", extra: String = "") -> String {
        """
        topic: How might a city keep streets cool in heatwaves?
        protocol: \(name)
        rounds: \(rounds)
        seed: 11
        backend: \(backend)
        participants:
        \(participants.map { "  - \($0)" }.joined(separator: "\n"))
        limits: { max_tokens_per_turn: 200, ideas_per_turn: 3 }
        \(extra)
        """
    }

    struct Expectation: Sendable, CustomTestStringConvertible {
        let protocolName: String
        let backend: String
        let participants: [String]
        let extra: String
        let phases: [String]
        let speakers: [String]
        var testDescription: String { "\(protocolName) on \(backend)" }
    }

    static let protocols: [Expectation] = [
        Expectation(protocolName: "solo", backend: "openai", participants: ["urban-planning-senior"], extra: "",
                    phases: ["ideate", "ideate"], speakers: ["urban-planning-senior", "urban-planning-senior"]),
        Expectation(protocolName: "round-robin", backend: "anthropic", participants: ["urban-planning-senior", "generalist-deliberate"], extra: "",
                    phases: ["discuss", "discuss", "discuss", "discuss"], speakers: ["urban-planning-senior", "generalist-deliberate", "urban-planning-senior", "generalist-deliberate"]),
        Expectation(protocolName: "leader-led", backend: "ollama", participants: ["ecology-junior", "generalist-observant"], extra: "leader: facilitator\nsynthesizer: synthesizer",
                    phases: ["lead", "respond", "respond", "lead", "respond", "respond", "synthesize"], speakers: ["facilitator", "*", "*", "facilitator", "*", "*", "synthesizer"]),
        Expectation(protocolName: "brainwriting", backend: "gemini", participants: ["hci-mid", "generalist-tinkerer", "education-mid"], extra: "",
                    phases: ["write", "write", "write", "write", "write", "write"], speakers: ["*", "*", "*", "*", "*", "*"]),
        Expectation(protocolName: "critique-revise", backend: "openai", participants: ["mechanical-engineering-senior", "generalist-blunt"], extra: "critics: [critic-feasibility, critic-equity]",
                    phases: ["propose", "propose", "critique", "critique", "revise", "revise"], speakers: ["*", "*", "*", "*", "*", "*"]),
    ]

    @Test(arguments: protocols)
    func everyProtocolRunsEndToEndAndRecordsEachTurnAndIdea(expected: Expectation) async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try Workspace(server: server, session: Self.sessionYAML(protocol: expected.protocolName, rounds: 2, participants: expected.participants, backend: expected.backend, extra: expected.extra))
        let result = try await CLIHarness.run(workspace.arguments + ["--quiet"])
        #expect(result.status == 0, "\(result.stderr)")

        let events = try workspace.events()
        guard case .session(let header) = events.first else { Issue.record("no header"); return }
        #expect(header.protocolName == expected.protocolName)
        #expect(header.participants.allSatisfy { $0.backend == nil || $0.backend == expected.backend })
        let turns = events.compactMap { if case .turn(let turn) = $0 { turn } else { nil } }
        #expect(turns.map(\.phase) == expected.phases)
        for (turn, speaker) in zip(turns, expected.speakers) where speaker != "*" {
            #expect(turn.speaker == speaker)
        }
        #expect(turns.map(\.round).max() == 2)
        #expect(turns.allSatisfy { $0.usage?.promptTokens != nil && $0.usage?.completionTokens != nil })
        #expect(turns.allSatisfy { $0.messagesDigest?.count == 64 })

        let ideas = events.compactMap { if case .idea(let idea) = $0 { idea } else { nil } }
        let ideaTurns = turns.filter { ["ideate", "discuss", "respond", "write", "propose", "revise"].contains($0.phase) }
        #expect(ideas.count >= ideaTurns.count * 3)
        #expect(ideas.allSatisfy { idea in turns.contains { $0.index == idea.turn && $0.speaker == idea.author } })

        guard case .end(let end) = events.last else { Issue.record("no end event"); return }
        #expect(end.status == .completed)
        #expect(end.totals.turns == turns.count)
        #expect(end.totals.ideas == ideas.count)
        #expect(end.totals.promptTokens == turns.reduce(0) { $0 + ($1.usage?.promptTokens ?? 0) })
        #expect(end.totals.completionTokens == turns.reduce(0) { $0 + ($1.usage?.completionTokens ?? 0) })

        let check = try await CLIHarness.run(["transcript", "validate", workspace.transcript])
        #expect(check.status == 0, "\(check.stderr)")
    }

    @Test func humanTurnsComeFromAPipe() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try Workspace(server: server, session: Self.sessionYAML(protocol: "round-robin", rounds: 2, participants: ["hci-mid", "human"]))
        let typed = "1. Shade sails over every bus stop\n2. Free water refills at corner shops\n\n/skip\n"
        let result = try await CLIHarness.run(workspace.arguments + ["--quiet"], stdin: typed)
        #expect(result.status == 0, "\(result.stderr)")
        let events = try workspace.events()
        let humanTurns = events.turns.filter { $0.kind == .human }
        #expect(humanTurns.map(\.round) == [1])
        #expect(events.ideas.filter { $0.author == "human" }.map(\.text) == ["Shade sails over every bus stop", "Free water refills at corner shops"])
        #expect(events.notes.contains { $0.text.contains("human skipped round 2 discuss") })
        // The agent speaking after the human saw the human's ideas.
        #expect(server.recordedRequests.last?.prompt?.lastUserMessage.contains("Shade sails over every bus stop") == true)
    }

    @Test func humanTurnsComeFromAHumanScript() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try Workspace(server: server, session: Self.sessionYAML(protocol: "brainwriting", rounds: 2, participants: ["hci-mid", "human"]))
        let script = try workspace.folder.write("human.txt", "/idea Cool roofs for schools\n\nMisting at tram stops\n\n")
        let result = try await CLIHarness.run(workspace.arguments + ["--quiet", "--human-script", script])
        #expect(result.status == 0, "\(result.stderr)")
        let ideas = try workspace.events().ideas.filter { $0.author == "human" }
        #expect(ideas.map(\.text) == ["Cool roofs for schools", "Misting at tram stops"])
        #expect(ideas.map(\.round) == [1, 2])
    }

    @Test func anInjectTypedDuringAParallelPhaseReachesTheNextPhase() async throws {
        // The agents' answers are held at the server until the session has acknowledged the
        // inject, so the inject is in before the next phase starts however loaded the machine is.
        let acknowledged = ServerGate()
        let server = try FakeLLMServer { prompt in
            acknowledged.wait()
            return FakeLLMServer.numberedIdeas(prompt)
        }
        defer {
            acknowledged.open()
            server.stop()
        }
        let workspace = try Workspace(server: server, session: Self.sessionYAML(protocol: "brainwriting", rounds: 2, participants: ["human", "hci-mid", "generalist-tinkerer"]))
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        let process = Process()
        process.executableURL = CLIHarness.binary
        process.arguments = workspace.arguments + ["--json-events"]
        process.standardInput = stdin
        process.standardOutput = stdout
        // With --json-events, replies to typed commands (the inject's acknowledgement) go here.
        process.standardError = stderr
        try process.run()

        // Answer the human's round-1 turn; the human speaks first, so their turn is recorded
        // while the agents of the same parallel phase are still working.
        stdin.fileHandleForWriting.write(Data("Night-time cooling centres\n\n".utf8))
        let buffer = await CLIHarness.read(stdout.fileHandleForReading) { text in
            text.split(separator: "\n").contains { $0.contains(#""kind":"human""#) && $0.contains(#""type":"turn""#) }
        }
        #expect(buffer.contains(#""parallel":true"#))
        stdin.fileHandleForWriting.write(Data("/inject Older people living alone are most at risk\n".utf8))
        let replies = await CLIHarness.read(stderr.fileHandleForReading) { $0.contains("injected;") }
        #expect(replies.contains("injected;"))
        acknowledged.open()
        stdin.fileHandleForWriting.write(Data("/skip\n".utf8))
        try stdin.fileHandleForWriting.close()
        await CLIHarness.wait(process)
        #expect(process.terminationStatus == 0)

        let events = try workspace.events()
        let inject = try #require(events.turns.first { $0.phase == "inject:write" })
        #expect(inject.round == 2 && inject.kind == .human)
        let roundTwo = server.recordedRequests.compactMap(\.prompt).filter { $0.lastUserMessage.contains("[i1]") }
        #expect(!roundTwo.isEmpty)
        #expect(roundTwo.allSatisfy { $0.lastUserMessage.contains("Older people living alone are most at risk") })
        let roundOne = server.recordedRequests.compactMap(\.prompt).filter { !$0.lastUserMessage.contains("[i1]") }
        #expect(roundOne.allSatisfy { !$0.lastUserMessage.contains("Older people") })
    }

    /// Waits until the transcript holds `lines` complete lines, so a kill lands mid-session
    /// however long the process took to start on a loaded machine.
    static func waitForLines(_ lines: Int, in path: String) async throws {
        // A hang guard, not a measurement: a local model may take minutes to start on a loaded machine.
        let deadline = ContinuousClock.now + .seconds(600)
        while ContinuousClock.now < deadline {
            let count = (try? Data(contentsOf: URL(fileURLWithPath: path)))?.filter { $0 == 0x0A }.count ?? 0
            if count >= lines { return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The server itself kills the session with SIGKILL while it answers request number
    /// `killAtRequest` (after `delayMilliseconds`), so the kill lands inside a turn at a known
    /// point however loaded the machine is. The whole session makes 12 requests.
    @Test(arguments: [(1, 0), (2, 40), (5, 0), (7, 25), (10, 60), (12, 0)])
    func aSessionKilledWithSIGKILLResumesWithEveryTurnExactlyOnce(killAtRequest: Int, delayMilliseconds: Int) async throws {
        let target = SignalOnRequest(SIGKILL, atRequest: killAtRequest, afterMilliseconds: delayMilliseconds)
        let server = try FakeLLMServer(options: .init(latency: .milliseconds(20)), responder: target.responder)
        defer { server.stop() }
        let workspace = try Workspace(server: server, session: Self.sessionYAML(protocol: "round-robin", rounds: 4, participants: ["hci-mid", "generalist-tinkerer", "education-mid"]))
        let first = try CLIHarness.start(workspace.arguments + ["--quiet"])
        target.target(first.processIdentifier)
        await CLIHarness.wait(first)
        #expect(first.terminationReason == .uncaughtSignal)
        try #require(try workspace.events().end == nil, "the session finished before the kill; the test proves nothing")

        let resumed = try await CLIHarness.run(["run", "--resume", workspace.transcript, "--backends", workspace.folder.path + "/backends.yaml", "--no-cache", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let events = try workspace.events()
        let keys = events.turns.map { "\($0.round)/\($0.phase)/\($0.speaker)" }
        #expect(keys.count == 12)
        #expect(Set(keys).count == 12)
        #expect(Set(events.turns.map(\.index)).count == 12)
        #expect(events.end?.status == .completed)
        #expect(events.ideas.count == 36)
        let validate = try await CLIHarness.run(["transcript", "validate", workspace.transcript])
        #expect(validate.status == 0, "\(validate.stderr)")
    }

    /// The fake server sends SIGINT to the session while it answers the third request, so the
    /// interruption lands mid-turn however loaded the machine is.
    @Test func ctrlCEndsTheSessionAsInterruptedAndItResumes() async throws {
        let target = SignalOnRequest(SIGINT, atRequest: 3)
        let server = try FakeLLMServer(options: .init(latency: .milliseconds(200)), responder: target.responder)
        defer { server.stop() }
        let workspace = try Workspace(server: server, session: Self.sessionYAML(protocol: "round-robin", rounds: 3, participants: ["hci-mid", "generalist-tinkerer"]))
        let process = try CLIHarness.start(workspace.arguments + ["--quiet"])
        target.target(process.processIdentifier)
        await CLIHarness.wait(process)
        #expect(process.terminationStatus == 130)
        let interrupted = try workspace.events().end
        #expect(interrupted?.status == .interrupted, "\(String(describing: interrupted))")

        let resumed = try await CLIHarness.run(["run", "--resume", workspace.transcript, "--backends", workspace.folder.path + "/backends.yaml", "--no-cache", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let events = try workspace.events()
        #expect(events.turns.count == 6)
        #expect(events.end?.status == .completed)
    }

    @Test func aSixAgentSessionSurvivesTwentyPercentFaultsWithoutLosingATurn() async throws {
        let server = try FakeLLMServer(options: .init(randomFaultRate: 0.2, randomFaultSeed: 2026))
        defer { server.stop() }
        let yaml = server.backendsYAML(kinds: [.openai]).replacingOccurrences(of: "max_attempts: 3", with: "max_attempts: 8")
        let workspace = try Workspace(server: server, session: Self.sessionYAML(protocol: "brainwriting", rounds: 4, participants: ["hci-mid", "generalist-tinkerer", "education-mid", "generalist-warm", "ecology-junior", "generalist-observant"]))
        try workspace.folder.write("backends.yaml", yaml)
        let result = try await CLIHarness.run(workspace.arguments + ["--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let events = try workspace.events()
        #expect(events.turns.count == 24)
        #expect(events.end?.status == .completed)
        #expect(events.turns.contains { ($0.attempts ?? 1) > 1 })
        #expect(server.recordedRequests.contains { $0.fault != nil })
    }

    @Test(arguments: [
        ("protocol: brainstorm", "field 'protocol' has unknown value 'brainstorm'"),
        ("participants:\n  - nobody-here", "persona 'nobody-here' not found"),
    ])
    func aBadSessionFileIsOneLineNamingFileAndLine(line: String, message: String) async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        var yaml = Self.sessionYAML(protocol: "solo", rounds: 1, participants: ["hci-mid"])
        if line.hasPrefix("protocol") { yaml = yaml.replacingOccurrences(of: "protocol: solo", with: line) }
        else { yaml = yaml.replacingOccurrences(of: "participants:\n  - hci-mid", with: line) }
        let workspace = try Workspace(server: server, session: yaml)
        let result = try await CLIHarness.run(workspace.arguments)
        #expect(result.status == 65)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("session.yaml:"))
        #expect(result.stderr.contains(message))
        #expect(!FileManager.default.fileExists(atPath: workspace.transcript))
    }
}

extension RunCommandTests {
    @Test func anUnknownBackendOnTheCommandLineBlamesTheFlag() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try Workspace(server: server, session: Self.sessionYAML(protocol: "solo", rounds: 1, participants: ["hci-mid"]))
        let result = try await CLIHarness.run(workspace.arguments + ["--backend", "nosuch"])
        #expect(result.status == 65)
        #expect(result.stderr.hasPrefix("polyphony: --backend nosuch: "), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}

extension Array where Element == TranscriptEvent {
    var turns: [TurnRecord] { compactMap { if case .turn(let turn) = $0 { turn } else { nil } } }
    var ideas: [IdeaRecord] { compactMap { if case .idea(let idea) = $0 { idea } else { nil } } }
    var notes: [NoteRecord] { compactMap { if case .note(let note) = $0 { note } else { nil } } }
    var end: EndRecord? { compactMap { if case .end(let end) = $0 { end } else { nil } }.last }
}
