import Foundation
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// What every command that reads a transcript refuses, and what a resumed writer keeps.
@Suite struct TranscriptIntegrityTests {
    static let header = TranscriptCommandTests.header
    static let turn = TranscriptCommandTests.turn
    static let secondTurn = turn.replacingOccurrences(of: #""index":0"#, with: #""index":1"#)
    static let idea = #"{"author":"ada","id":"i1","parents":[],"round":1,"text":"Shade the bus stops","turn":0,"type":"idea"}"#

    static let readers: [[String]] = [
        ["transcript", "show"],
        ["transcript", "validate"],
        ["score", "--no-save", "--embedder", "lexical"],
        ["replay"],
        ["replay", "--rerun"],
    ]

    struct Broken: Sendable, CustomTestStringConvertible {
        let name: String
        let lines: [String]
        let line: Int
        var testDescription: String { name }
    }

    static let broken: [Broken] = [
        Broken(name: "two headers", lines: [header, turn, idea, header, secondTurn], line: 4),
        Broken(name: "a turn index twice", lines: [header, turn, idea, turn], line: 4),
    ]

    @Test(arguments: readers, broken)
    func aTranscriptWithTwoHeadersOrARepeatedTurnIndexIsRefusedByEveryReader(command: [String], transcript: Broken) async throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("t.jsonl", transcript.lines.joined(separator: "\n") + "\n")
        let result = try await CLIHarness.run(command + [file])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("polyphony: \(file):\(transcript.line): "), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test(arguments: [
        (#"{"status":"completed","totals":{"completion_tokens":0,"ideas":0,"prompt_tokens":0,"turns":2},"type":"end"}"#, "turns"),
        (#"{"status":"completed","totals":{"completion_tokens":0,"ideas":1,"prompt_tokens":0,"turns":1},"type":"end"}"#, "ideas"),
        (#"{"status":"completed","totals":{"completion_tokens":5,"ideas":0,"prompt_tokens":0,"turns":1},"type":"end"}"#, "completion_tokens"),
    ])
    func validateRefusesEndTotalsThatDisagreeWithTheFile(end: String, field: String) async throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("t.jsonl", [Self.header, Self.turn, end].joined(separator: "\n") + "\n")
        let result = try await CLIHarness.run(["transcript", "validate", file])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("polyphony: \(file):3: "), "\(result.stderr)")
        #expect(result.stderr.contains(field), "\(result.stderr)")
    }

    @Test(arguments: readers + [["run", "--resume"]])
    func aDirectoryGivenAsATranscriptIsAPlainOneLineError(command: [String]) async throws {
        let folder = try TemporaryFolder()
        let result = try await CLIHarness.run(command + [folder.path])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr == "polyphony: \(folder.path): is a directory, not a transcript file\n")
    }

    @Test(arguments: ["my notes\nabout heat, not yet saved", "a single line"])
    func resumingAFileThatIsNotATranscriptLeavesItAsItWas(text: String) async throws {
        let folder = try TemporaryFolder()
        let file = try folder.write("notes.txt", text)
        let result = try await CLIHarness.run(["run", "--resume", file])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == text)
    }

    @Test func runOutPointingAtADirectoryIsAPlainOneLineError() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try RunCommandTests.Workspace(server: server, session: RunCommandTests.sessionYAML(protocol: "solo", rounds: 1, participants: ["hci-mid"]))
        var arguments = workspace.arguments
        arguments[arguments.firstIndex(of: "--out")! + 1] = workspace.folder.path
        let result = try await CLIHarness.run(arguments + ["--quiet"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr == "polyphony: \(workspace.folder.path): is a directory, not a transcript file\n")
        #expect(server.requestCount == 0)
    }

    /// A transcript cut without its final newline: the last line is a complete event, which the
    /// reader accepts, so the resumed run must keep it rather than cut it off.
    @Test(arguments: [3, 6, 8])
    func aTranscriptCutWithoutItsFinalNewlineResumesWithEveryTurnAndIdeaKept(killAtRequest: Int) async throws {
        let target = SignalOnRequest(SIGKILL, atRequest: killAtRequest)
        let server = try FakeLLMServer(options: .init(latency: .milliseconds(20)), responder: target.responder)
        defer { server.stop() }
        let workspace = try RunCommandTests.Workspace(server: server, session: RunCommandTests.sessionYAML(protocol: "round-robin", rounds: 3, participants: ["hci-mid", "generalist-tinkerer", "education-mid"]))
        let first = try CLIHarness.start(workspace.arguments + ["--quiet"])
        target.target(first.processIdentifier)
        await CLIHarness.wait(first)
        try #require(try workspace.events().end == nil, "the session finished before the kill; the test proves nothing")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: workspace.transcript))
        try #require(bytes.last == 0x0A)
        bytes.removeLast()
        try bytes.write(to: URL(fileURLWithPath: workspace.transcript))
        let before = try workspace.events()

        target.target(0)
        let resumed = try await CLIHarness.run(["run", "--resume", workspace.transcript, "--backends", workspace.folder.path + "/backends.yaml", "--no-cache", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let events = try workspace.events()
        #expect(Array(events.prefix(before.count)) == before, "every event recorded before the cut is still there, in order")
        #expect(events.turns.count == 9)
        #expect(Set(events.turns.map(\.index)).count == 9)
        #expect(events.ideas.count == 27)
        let end = try #require(events.end)
        #expect(end.totals.turns == events.turns.count && end.totals.ideas == events.ideas.count)
        let validate = try await CLIHarness.run(["transcript", "validate", workspace.transcript])
        #expect(validate.status == 0, "\(validate.stderr)")
    }
}
