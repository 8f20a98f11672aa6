import Foundation
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// What the person in the human seat types is kept, and what they are told is true.
/// (The screen itself is checked in a real terminal by scripts/check-human-seat.sh.)
@Suite struct HumanSeatTests {
    private func workspace(_ server: FakeLLMServer, protocol name: String = "brainwriting", rounds: Int = 1) throws -> RunCommandTests.Workspace {
        try RunCommandTests.Workspace(
            server: server, session: RunCommandTests.sessionYAML(protocol: name, rounds: rounds, participants: ["hci-mid", "human"])
        )
    }

    @Test func aShortIdeaIsRecordedAsTyped() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try workspace(server)
        let result = try await CLIHarness.run(workspace.arguments + ["--quiet"], stdin: "Misting\n\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try workspace.events().ideas.filter { $0.author == "human" }.map(\.text) == ["Misting"])
    }

    @Test func eachLineOfAnUnnumberedAnswerIsAnIdea() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try workspace(server)
        let result = try await CLIHarness.run(workspace.arguments + ["--quiet"], stdin: "Misting\nShade sails over bus stops\n\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try workspace.events().ideas.filter { $0.author == "human" }.map(\.text) == ["Misting", "Shade sails over bus stops"])
    }

    @Test func everyHumanPromptStartsWithTheTopicAndListsInject() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try workspace(server, rounds: 2)
        let result = try await CLIHarness.run(workspace.arguments, stdin: "Misting\n\n/skip\n")
        #expect(result.status == 0, "\(result.stderr)")
        let prompts = result.stdout.components(separatedBy: "your turn]").dropFirst()
        #expect(prompts.count == 2)
        for prompt in prompts {
            #expect(prompt.hasPrefix("\nTopic: How might a city keep streets cool in heatwaves?"))
            #expect(prompt.contains("/inject TEXT"))
        }
        #expect(!result.stdout.contains("Human participant is thinking"))
    }

    @Test func quietWithAHumanScriptPrintsOnlyTheSummary() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try workspace(server, rounds: 2)
        let script = try workspace.folder.write("human.txt", "Misting\n\n/skip\n")
        let result = try await CLIHarness.run(workspace.arguments + ["--quiet", "--human-script", script])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "\(result.stdout)")
        #expect(lines.first?.hasPrefix("completed:") == true)
    }

    @Test func scriptLinesPlacedForAPhaseThatNeverComesAreReportedNotSilentlyIgnored() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try workspace(server)
        // Brainwriting's phase is `write`; `ideate` never comes.
        let script = try workspace.folder.write("human.txt", "@phase ideate\nMisting at tram stops\n\n")
        let result = try await CLIHarness.run(workspace.arguments + ["--quiet", "--human-script", script])
        #expect(result.status == 0, "\(result.stderr)")
        let notes = try workspace.events().notes.map(\.text)
        #expect(notes.contains { $0.contains("1 line(s) of the human script were never used, from script line 2") })
    }

    @Test func aFileThatIsNotATranscriptAtOutIsNotOfferedForResume() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try workspace(server)
        let notes = try workspace.folder.write("notes.md", "# my notes\n")
        let arguments = workspace.arguments.map { $0 == workspace.transcript ? notes : $0 }
        let result = try await CLIHarness.run(arguments + ["--quiet"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("not a transcript"))
        #expect(!result.stderr.contains("--resume"))
        #expect(try String(contentsOfFile: notes, encoding: .utf8) == "# my notes\n")
    }

    @Test func anAgentFailingWhileTheHumanAnswersIsToldAtOnceAndTheAnswerIsKept() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        server.inject(.status(400, message: "model not found"), times: 10)
        let workspace = try workspace(server)
        let result = try await CLIHarness.run(workspace.arguments, stdin: "Misting\n\n")
        #expect(result.status == 1)
        #expect(result.stdout.contains("the session ends as failed once the others in this phase finish"))
        #expect(try workspace.events().ideas.filter { $0.author == "human" }.map(\.text) == ["Misting"])
    }

    @Test func anInjectAfterTheLastPhaseIsAWarningInsteadOfDroppedSilently() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try workspace(server, protocol: "round-robin")
        let script = try workspace.folder.write("human.txt", "Misting\n\n/inject Think about schools at night\n")
        let result = try await CLIHarness.run(workspace.arguments + ["--human-script", script])
        #expect(result.status == 0, "\(result.stderr)")
        let notes = try workspace.events().notes.map(\.text)
        #expect(notes.contains { $0.contains("reached no agent") && $0.contains("Think about schools at night") })
        #expect(result.stdout.contains("reached no agent"))
    }
}

/// The response cache is visible where its answers are used.
@Suite struct CachedTurnTests {
    @Test func aTurnAnsweredFromTheCacheIsMarkedInTheTranscriptAndTheLiveView() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try RunCommandTests.Workspace(
            server: server, session: RunCommandTests.sessionYAML(protocol: "round-robin", rounds: 1, participants: ["hci-mid", "generalist-curious"])
        )
        let arguments = workspace.arguments.filter { $0 != "--no-cache" } + ["--cache-dir", workspace.folder.path + "/cache"]
        let first = try await CLIHarness.run(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(try workspace.events().turns.allSatisfy { $0.cached == nil })
        #expect(!first.stdout.contains("cached"))
        try FileManager.default.removeItem(atPath: workspace.transcript)
        let requests = server.requestCount
        let second = try await CLIHarness.run(arguments)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(server.requestCount == requests)
        let turns = try workspace.events().turns
        #expect(turns.count == 2)
        #expect(turns.allSatisfy { $0.cached == true })
        #expect(second.stdout.components(separatedBy: "cached").count - 1 == 2)
    }
}
