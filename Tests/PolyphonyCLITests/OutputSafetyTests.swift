import Foundation
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// Outputs never overwrite inputs, however the path is spelt, and report files are replaced
/// whole (a new file renamed over the old one), never rewritten in place.
@Suite struct OutputSafetyTests {
    static let transcript = [
        TranscriptCommandTests.header,
        TranscriptCommandTests.turn,
        #"{"author":"ada","id":"i1","parents":[],"round":1,"text":"Shade the bus stops","turn":0,"type":"idea"}"#,
        #"{"author":"ada","id":"i2","parents":[],"round":1,"text":"Misting at tram stops","turn":0,"type":"idea"}"#,
        #"{"status":"completed","totals":{"completion_tokens":0,"ideas":2,"prompt_tokens":0,"turns":1},"type":"end"}"#,
    ].joined(separator: "\n") + "\n"

    static let people = "text,author\nFree swimming on hot evenings,ana\nLibraries open until midnight,ben\n"
    static let coded = "text,group,label\nshade the stops,g1,A\nshade every stop,g1,A\nmisting at trams,g1,B\n"

    /// The same file as `path`, spelt another way: a symbolic link, a hard link, or a detour through `..`.
    static func alias(of path: String, _ how: String) throws -> String {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        switch how {
        case "symlink":
            let link = folder + "/link-" + name
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
            return link
        case "hardlink":
            let link = folder + "/hard-" + name
            try FileManager.default.linkItem(atPath: path, toPath: link)
            return link
        case "dotdot":
            try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
            return folder + "/sub/../" + name
        default:
            return path
        }
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// The command was refused as a usage error (exit 65, one line on stderr) and `path`
    /// still holds `before`, byte for byte.
    static func expectRefused(
        _ result: CLIHarness.Result, leaving path: String, as before: Data, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(result.status == 65, "\(path): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(path): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(try bytes(path) == before, "\(path)", sourceLocation: sourceLocation)
    }

    @Test(arguments: ["same", "symlink", "hardlink", "dotdot"])
    func scoreRefusesAnHTMLReportOverItsOwnTranscript(spelling: String) async throws {
        let folder = try TemporaryFolder()
        let transcript = try folder.write("t.jsonl", Self.transcript)
        let result = try await CLIHarness.run(["score", transcript, "--embedder", "lexical", "--html", try Self.alias(of: transcript, spelling)])
        try Self.expectRefused(result, leaving: transcript, as: Data(Self.transcript.utf8))
        #expect(result.stderr.contains(transcript))
        #expect(!FileManager.default.fileExists(atPath: transcript + ".scores"), "nothing is written when one output is refused")
    }

    @Test(arguments: ["same", "symlink", "hardlink", "dotdot"])
    func scoreRefusesACSVOverAnIdeasFile(spelling: String) async throws {
        let folder = try TemporaryFolder()
        let people = try folder.write("people.csv", Self.people)
        let result = try await CLIHarness.run(["score", "--ideas", people, "--embedder", "lexical", "--csv", try Self.alias(of: people, spelling)])
        try Self.expectRefused(result, leaving: people, as: Data(Self.people.utf8))
    }

    @Test func calibrateRefusesToSaveItsRecommendationOverTheCodedFile() async throws {
        let folder = try TemporaryFolder()
        let coded = try folder.write("c.csv", Self.coded)
        let result = try await CLIHarness.run(["score", "calibrate", coded, "--embedder", "lexical", "--output", coded])
        try Self.expectRefused(result, leaving: coded, as: Data(Self.coded.utf8))
    }

    /// A hard link to the old file keeps the old bytes: the new file was renamed over the
    /// path, so a crash mid-write could never have left half a file there.
    @Test func calibrateReplacesAnEarlierRecommendationWholeNotInPlace() async throws {
        let folder = try TemporaryFolder()
        let coded = try folder.write("c.csv", Self.coded)
        let output = try folder.write("c.threshold.json", "earlier\n")
        try FileManager.default.linkItem(atPath: output, toPath: folder.path + "/earlier.json")
        let result = try await CLIHarness.run(["score", "calibrate", coded, "--embedder", "lexical"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOfFile: folder.path + "/earlier.json", encoding: .utf8) == "earlier\n")
        #expect(try String(contentsOfFile: output, encoding: .utf8).contains("\"threshold\""))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "no temporary file is left behind: \(leftovers)")
    }

    @Test func runRefusesToWriteItsTranscriptOverItsSessionFile() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let yaml = RunCommandTests.sessionYAML(protocol: "solo", rounds: 1, participants: ["hci-mid"])
        let workspace = try RunCommandTests.Workspace(server: server, session: yaml)
        var arguments = workspace.arguments
        arguments[arguments.firstIndex(of: "--out")! + 1] = try Self.alias(of: workspace.session, "symlink")
        let result = try await CLIHarness.run(arguments + ["--quiet"])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(!result.stderr.contains("--resume"), "a session file is not a transcript to resume: \(result.stderr)")
        #expect(try String(contentsOfFile: workspace.session, encoding: .utf8) == yaml)
        #expect(server.requestCount == 0)
    }

    @Test func replayRefusesToRerunOverTheRecording() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try RunCommandTests.Workspace(server: server, session: RunCommandTests.sessionYAML(protocol: "solo", rounds: 1, participants: ["hci-mid"]))
        let run = try await CLIHarness.run(workspace.arguments + ["--quiet"])
        try #require(run.status == 0, "\(run.stderr)")
        let recorded = try Self.bytes(workspace.transcript)
        let result = try await CLIHarness.run(["replay", "--rerun", workspace.transcript, "--out", try Self.alias(of: workspace.transcript, "hardlink")])
        try Self.expectRefused(result, leaving: workspace.transcript, as: recorded)
    }

    @Test func experimentAnalyzeRefusesAReportOverAFileOfTheExperiment() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let folder = try TemporaryFolder()
        let backends = try folder.write("backends.yaml", server.backendsYAML(kinds: [.openai]))
        let grid = try folder.write("grid.yaml", """
            conditions:
              solo: { protocol: solo, rounds: 1, backend: openai, participants: [hci-mid] }
            topics: [How might a library lend more than books?]
            replicates: 2
            """)
        let out = folder.path + "/out"
        let run = try await CLIHarness.run(["experiment", "run", grid, "--out", out, "--personas", ExperimentCommandTests.personas,
                                            "--backends", backends, "--no-cache", "--quiet"])
        try #require(run.status == 0, "\(run.stderr)")
        let transcript = try #require(try FileManager.default.contentsOfDirectory(atPath: out + "/runs").first { $0.hasSuffix(".jsonl") })
        for (option, target) in [("--html", out + "/manifest.json"), ("--csv", out + "/runs/" + transcript), ("--csv", out + "/grid.yaml")] {
            let before = try Self.bytes(target)
            let result = try await CLIHarness.run(["experiment", "analyze", out, option, target])
            try Self.expectRefused(result, leaving: target, as: before)
        }
    }
}
