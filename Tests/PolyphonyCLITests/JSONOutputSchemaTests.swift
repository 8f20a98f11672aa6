import Foundation
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// Every `--json` output of the real binary, run against loopback fixtures, validates against
/// its documented schema in docs/schemas/, names that schema in its `schema` field, and has
/// no camelCase key anywhere.
@Suite struct JSONOutputSchemaTests {
    static let schemas = RunCommandTests.repository + "/docs/schemas"

    /// Problems with one JSON document against `docs/schemas/<name>.schema.json`, plus its camelCase keys.
    static func expectConforms(_ text: String, to name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let validator = try JSONSchemaValidator(path: "\(schemas)/\(name).schema.json")
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        let problems = validator.problems(value)
        #expect(problems.isEmpty, "\(name): \(problems.prefix(5).joined(separator: "\n"))", sourceLocation: sourceLocation)
        let camel = JSONSchemaValidator.camelCaseKeys(in: value)
        #expect(camel.isEmpty, "\(name): camelCase keys \(camel.prefix(5))", sourceLocation: sourceLocation)
    }

    /// A recorded two-round brainwriting session on the fake server.
    private func recordedSession(_ server: FakeLLMServer) async throws -> RunCommandTests.Workspace {
        let workspace = try RunCommandTests.Workspace(server: server, session: RunCommandTests.sessionYAML(protocol: "brainwriting", rounds: 2, participants: ["hci-mid", "generalist-tinkerer"]))
        let run = try await CLIHarness.run(workspace.arguments + ["--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        return workspace
    }

    static let responder: FakeLLMServer.Responder = { prompt in
        let system = prompt.messages.first?.content ?? ""
        if system.contains("Decide which idea is better") { return #"{"better": "A"}"# }
        return ScoreCommandTests.responder(prompt)
    }

    @Test func scoreJSONWithJudgeSettlingAndTournamentMatchesItsSchemaAsDoesTheSavedScoreFile() async throws {
        let server = try FakeLLMServer(responder: Self.responder)
        defer { server.stop() }
        let workspace = try await recordedSession(server)
        let people = try workspace.folder.write("people.csv", "text,author,group\nFree swimming on hot evenings,ana,people\nLibraries open until midnight,ben,\n")
        let result = try await CLIHarness.run([
            "score", workspace.transcript, "--ideas", people, "--json", "--no-cache", "--threshold", "0.75",
            "--judge", "openai", "--reviews", "1", "--tournament-top", "3", "--settle", "openai", "--settle-lower", "0.1", "--settle-upper", "0.95",
            "--backends", workspace.folder.path + "/backends.yaml",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        try Self.expectConforms(result.stdout, to: "score")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["schema"] as? String == "polyphony.score/2")
        #expect(report["quality"] != nil && report["settlement"] != nil, "the optional parts were covered")
        let saved = try FileManager.default.contentsOfDirectory(atPath: workspace.transcript + ".scores")
        #expect(saved.count == 1)
        for name in saved {
            try Self.expectConforms(try String(contentsOfFile: workspace.transcript + ".scores/" + name, encoding: .utf8), to: "score")
        }
    }

    @Test func decimalsTheUserGaveAreWrittenAsGivenNotWidenedFromFloat() async throws {
        let folder = try TemporaryFolder()
        let people = try folder.write("people.csv", "text,author\nShade the bus stops,ana\nMisting at tram stops,ben\n")
        let result = try await CLIHarness.run(["score", "--ideas", people, "--json", "--no-save", "--embedder", "lexical", "--threshold", "0.7"])
        #expect(result.status == 0, "\(result.stderr)")
        let compact = result.stdout.replacingOccurrences(of: " ", with: "")
        #expect(compact.contains(#""threshold":0.7,"#), "\(compact.prefix(600))")
        #expect(compact.contains(#""literature_threshold":0.8,"#))
        #expect(!compact.contains("0.699999") && !compact.contains("0.800000"))
    }

    @Test func scoreCalibrateJSONMatchesItsSchemaAndSavesAThresholdFileOfItsOwn() async throws {
        let folder = try TemporaryFolder()
        let coded = try folder.write("c.csv", OutputSafetyTests.coded)
        let result = try await CLIHarness.run(["score", "calibrate", coded, "--embedder", "lexical", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        try Self.expectConforms(result.stdout, to: "calibration")
        try Self.expectConforms(try String(contentsOfFile: folder.path + "/c.threshold.json", encoding: .utf8), to: "threshold")
    }

    @Test func experimentAnalyzeJSONMatchesItsSchema() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try ExperimentCommandTests.Workspace(server: server)
        let run = try await CLIHarness.run(workspace.run("out", ["--quiet"]))
        #expect(run.status == 0, "\(run.stderr)")
        let analysis = try await CLIHarness.run(["experiment", "analyze", workspace.path("out"), "--json", "--bootstrap", "200"])
        #expect(analysis.status == 0, "\(analysis.stderr)")
        try Self.expectConforms(analysis.stdout, to: "experiment")
        // The grid plans one contrast and has 2 seeds per cell: planned first, and descriptive.
        let compact = analysis.stdout.replacingOccurrences(of: " ", with: "")
        #expect(compact.contains(#""descriptive":true"#))
        #expect(compact.contains(#""kind":"planned""#) && compact.contains(#""p_holm":"#) && compact.contains(#""topics":["#))
        #expect(!compact.contains(#""kind":"exploratory""#))  // two conditions: the one pair is the planned one
    }

    @Test func personasListJSONMatchesItsSchema() async throws {
        let result = try await CLIHarness.run(["personas", "list", "--json", RunCommandTests.repository + "/personas"])
        #expect(result.status == 0, "\(result.stderr)")
        try Self.expectConforms(result.stdout, to: "personas")
    }

    @Test func backendsListAndCheckJSONMatchTheirSchemas() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let folder = try TemporaryFolder()
        let backends = try folder.write("backends.yaml", server.backendsYAML(kinds: [.openai, .ollama], apiKeyEnvironmentVariable: "POLYPHONY_TEST_KEY"))
        let list = try await CLIHarness.run(["backends", "list", "--json", "--backends", backends], environment: ["POLYPHONY_TEST_KEY": "secret"])
        #expect(list.status == 0, "\(list.stderr)")
        try Self.expectConforms(list.stdout, to: "backends")
        #expect(!list.stdout.contains("secret"))
        let check = try await CLIHarness.run(["backends", "check", "openai", "ollama", "--json", "--backends", backends], environment: ["POLYPHONY_TEST_KEY": "secret"])
        #expect(check.status == 0, "\(check.stderr)")
        try Self.expectConforms(check.stdout, to: "backends-check")
    }

    @Test func transcriptValidateJSONMatchesItsSchemaForWholeAndCutOffTranscripts() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try await recordedSession(server)
        let whole = try await CLIHarness.run(["transcript", "validate", "--json", workspace.transcript])
        #expect(whole.status == 0, "\(whole.stderr)")
        try Self.expectConforms(whole.stdout, to: "transcript-validation")
        // Without its end event, as a killed session leaves it.
        let lines = try String(contentsOfFile: workspace.transcript, encoding: .utf8).split(separator: "\n")
        let cut = try workspace.folder.write("cut.jsonl", lines.dropLast().joined(separator: "\n") + "\n")
        let cutOff = try await CLIHarness.run(["transcript", "validate", "--json", cut])
        #expect(cutOff.status == 0, "\(cutOff.stderr)")
        try Self.expectConforms(cutOff.stdout, to: "transcript-validation")
        #expect(cutOff.stdout.contains(#""end_status" : null"#) || cutOff.stdout.contains(#""end_status":null"#))
    }

    @Test func everyJSONEventsLineMatchesTheEventsSchema() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try RunCommandTests.Workspace(server: server, session: RunCommandTests.sessionYAML(protocol: "leader-led", rounds: 1, participants: ["ecology-junior", "generalist-observant"], extra: "leader: facilitator\nsynthesizer: synthesizer"))
        let result = try await CLIHarness.run(workspace.arguments + ["--json-events"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        var types: Set<String> = []
        for line in lines {
            try Self.expectConforms(line, to: "events")
            if let type = try JSONDecoder().decode(JSONValue.self, from: Data(line.utf8))["type"]?.stringValue { types.insert(type) }
        }
        #expect(types.isSuperset(of: ["session", "phase_started", "turn_started", "turn", "idea", "end"]), "\(types)")
    }
}
