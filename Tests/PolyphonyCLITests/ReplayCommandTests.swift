import Foundation
import PolyphonyCore
import PolyphonyTestSupport
import Testing

@Suite struct ReplayCommandTests {
    /// Records a brainwriting session with a human and an inject, against the loopback fake.
    private func recordSession() async throws -> (RunCommandTests.Workspace, FakeLLMServer) {
        let server = try FakeLLMServer()
        let workspace = try RunCommandTests.Workspace(server: server, session: RunCommandTests.sessionYAML(protocol: "brainwriting", rounds: 2, participants: ["hci-mid", "generalist-tinkerer", "human"]))
        let script = try workspace.folder.write("human.txt", "/inject Think about night-time heat\n1. Shade sails on school routes\n/idea Cool pavements\n\nSecond-round idea about fountains\n\n")
        let result = try await CLIHarness.run(workspace.arguments + ["--quiet", "--human-script", script])
        #expect(result.status == 0, "\(result.stderr)")
        return (workspace, server)
    }

    @Test func aRerunThroughTheReplayBackendMatchesTheRecording() async throws {
        let (workspace, server) = try await recordSession()
        defer { server.stop() }
        let requestsBefore = server.requestCount
        let result = try await CLIHarness.run(["replay", "--rerun", workspace.transcript])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("rerun matches the recording: 7 turns"))
        #expect(server.requestCount == requestsBefore, "a rerun must not reach a model server")
    }

    @Test func aTamperedResponseMakesTheRerunFailAndNamesTheTurn() async throws {
        let (workspace, server) = try await recordSession()
        defer { server.stop() }
        var lines = try String(contentsOfFile: workspace.transcript, encoding: .utf8).components(separatedBy: "\n")
        let target = try #require(lines.firstIndex { $0.contains(#""kind":"agent""#) && $0.contains(#""round":1"#) })
        lines[target] = lines[target].replacingOccurrences(of: #""response":"1. "#, with: #""response":"1. Tampered. "#)
        try lines.joined(separator: "\n").write(toFile: workspace.transcript, atomically: true, encoding: .utf8)
        let result = try await CLIHarness.run(["replay", "--rerun", workspace.transcript])
        #expect(result.status == 1)
        #expect(result.stderr.contains("the response differs") || result.stderr.contains("the prompt differs") || result.stderr.contains("never took this turn"))
    }

    @Test(arguments: ["round-robin", "brainwriting"])
    func aSessionEndedByTheHumansEndRerunsToAMatch(protocolName: String) async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try RunCommandTests.Workspace(
            server: server,
            session: RunCommandTests.sessionYAML(protocol: protocolName, rounds: 2, participants: ["hci-mid", "human", "generalist-curious"])
        )
        let run = try await CLIHarness.run(workspace.arguments + ["--quiet"], stdin: "/end\n")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try workspace.events().end?.reason == "ended by the human with /end")
        let result = try await CLIHarness.run(["replay", "--rerun", workspace.transcript])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("rerun matches the recording"))
        #expect(result.stdout.contains("(completed)"))
    }

    @Test func aRerunThatEndsDifferentlyFromTheRecordingIsNotAMatch() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try RunCommandTests.Workspace(
            server: server, session: RunCommandTests.sessionYAML(protocol: "round-robin", rounds: 2, participants: ["hci-mid", "human"])
        )
        let run = try await CLIHarness.run(workspace.arguments + ["--quiet"], stdin: "/end\n")
        #expect(run.status == 0, "\(run.stderr)")
        // Without its /end note the rerun cannot know the person ended the session here.
        let lines = try String(contentsOfFile: workspace.transcript, encoding: .utf8).components(separatedBy: "\n")
        try lines.filter { !$0.contains("ended the session with /end") }.joined(separator: "\n")
            .write(toFile: workspace.transcript, atomically: true, encoding: .utf8)
        let result = try await CLIHarness.run(["replay", "--rerun", workspace.transcript])
        #expect(result.status == 1)
        #expect(result.stderr.contains("the recording ended completed"))
    }

    @Test func aRecordingThatDidNotCompleteIsNotRerun() async throws {
        let (workspace, server) = try await recordSession()
        defer { server.stop() }
        let lines = try String(contentsOfFile: workspace.transcript, encoding: .utf8).split(separator: "\n")
        try (lines.prefix(5).joined(separator: "\n") + "\n").write(toFile: workspace.transcript, atomically: true, encoding: .utf8)
        let result = try await CLIHarness.run(["replay", "--rerun", workspace.transcript])
        #expect(result.status == 65)
        #expect(result.stderr.contains("the recording did not complete (no end event)"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func replayPrintsEveryTurnRoundByRound() async throws {
        let (workspace, server) = try await recordSession()
        defer { server.stop() }
        let result = try await CLIHarness.run(["replay", workspace.transcript])
        #expect(result.status == 0)
        #expect(result.stdout.contains("== Round 1 =="))
        #expect(result.stdout.contains("== Round 2 =="))
        #expect(result.stdout.contains("Shade sails on school routes"))
        #expect(result.stdout.contains("Ended: completed"))
    }
}
