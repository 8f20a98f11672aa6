import Foundation
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// `polyphony score` on what `polyphony run` wrote, with people's ideas beside it, and the
/// blind judge over real HTTP.
@Suite struct ScoreCommandTests {
    /// Answers judge prompts with rubric JSON, same-idea prompts with a verdict, and
    /// everything else with the default numbered ideas.
    static let responder: FakeLLMServer.Responder = { prompt in
        let system = prompt.messages.first?.content ?? ""
        if system.contains("novelty") {
            return #"{"novelty": 7, "feasibility": 5, "specificity": 6, "impact": 6, "coherence": 8}"#
        }
        if system.contains("SAME idea") { return #"{"same": false}"# }
        return FakeLLMServer.numberedIdeas(prompt)
    }

    private func recordedSession(_ server: FakeLLMServer) async throws -> RunCommandTests.Workspace {
        let workspace = try RunCommandTests.Workspace(server: server, session: RunCommandTests.sessionYAML(protocol: "brainwriting", rounds: 2, participants: ["hci-mid", "generalist-tinkerer"]))
        let run = try await CLIHarness.run(workspace.arguments + ["--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        return workspace
    }

    @Test func aRunTranscriptAndAHumanIdeaListAreScoredSideBySide() async throws {
        let server = try FakeLLMServer(responder: Self.responder)
        defer { server.stop() }
        let workspace = try await recordedSession(server)
        let people = try workspace.folder.write("people.csv", """
            text,author
            Free swimming at the public pool on hot evenings,ana
            "Hand out reusable water bottles, with refill maps",ben
            Open air-conditioned libraries until midnight,ana
            """)
        let result = try await CLIHarness.run(["score", workspace.transcript, "--ideas", people, "--json", "--no-save"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        let groups = (report["by_group"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }
        #expect(groups == ["brainwriting", "people"])
        let kinds = (report["by_kind"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }
        #expect(Set(kinds) == ["agent", "human"])
        #expect((report["ideas"] as? [Any])?.count == 12 + 3)
    }

    @Test func aJudgeWhoseEveryReviewFailsExitsNonZeroWithTheFirstAnswer() async throws {
        let server = try FakeLLMServer(responder: { prompt in
            prompt.messages.first?.content.contains("novelty") == true ? "Great idea, 10/10!" : FakeLLMServer.numberedIdeas(prompt)
        })
        defer { server.stop() }
        let workspace = try await recordedSession(server)
        let result = try await CLIHarness.run([
            "score", workspace.transcript, "--json", "--no-save", "--no-cache", "--judge", "openai", "--reviews", "1",
            "--backends", workspace.folder.path + "/backends.yaml",
        ])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("every one of the 12 judge reviews failed"))
        #expect(result.stderr.contains("Great idea, 10/10!"))
    }

    @Test func theBlindJudgeRatesEveryIdeaOverHTTPWithoutSeeingAuthors() async throws {
        let server = try FakeLLMServer(responder: Self.responder)
        defer { server.stop() }
        let workspace = try await recordedSession(server)
        server.resetStatistics()
        let result = try await CLIHarness.run([
            "score", workspace.transcript, "--json", "--no-save", "--no-cache", "--judge", "openai", "--reviews", "2",
            "--backends", workspace.folder.path + "/backends.yaml",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        let ideas = report["ideas"] as? [[String: Any]] ?? []
        #expect(ideas.count == 12)
        #expect(ideas.allSatisfy { ($0["quality"] as? [String: Double]) == ["novelty": 7, "feasibility": 5, "specificity": 6, "impact": 6, "coherence": 8] })
        // Two independent, differently seeded reviews per idea.
        let judgePrompts = server.recordedRequests.compactMap(\.prompt)
        #expect(judgePrompts.count == 24)
        #expect(Set(judgePrompts.map(\.seed)).count == 2)
        #expect(judgePrompts.allSatisfy { prompt in
            let text = prompt.messages.map(\.content).joined(separator: " ")
            return !text.contains("hci-mid") && !text.contains("Lena Fischer") && !text.contains("brainwriting")
        })
    }

    @Test func anUnknownEmbedderOrBackendIsOneLine() async throws {
        let folder = try TemporaryFolder()
        let people = try folder.write("people.csv", "text,author\nShade,ana\n")
        let result = try await CLIHarness.run(["score", "--ideas", people, "--embedder", "nonesuch", "--no-save"])
        #expect(result.status != 0)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("nonesuch"))
    }

    /// Two recorded brainwriting sessions in one folder: `monday.jsonl` and `tuesday.jsonl`.
    private func twoSessionsOfOneProtocol(_ server: FakeLLMServer) async throws -> (RunCommandTests.Workspace, String, String) {
        let workspace = try RunCommandTests.Workspace(server: server, session: RunCommandTests.sessionYAML(protocol: "brainwriting", rounds: 1, participants: ["hci-mid", "generalist-tinkerer"]))
        var paths: [String] = []
        for name in ["monday", "tuesday"] {
            var arguments = workspace.arguments
            let path = workspace.folder.path + "/\(name).jsonl"
            arguments[arguments.firstIndex(of: "--out")! + 1] = path
            let run = try await CLIHarness.run(arguments + ["--quiet"])
            #expect(run.status == 0, "\(run.stderr)")
            paths.append(path)
        }
        return (workspace, paths[0], paths[1])
    }

    private static func groups(_ stdout: String) throws -> [String] {
        let report = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] ?? [:]
        return (report["by_group"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }
    }

    @Test func twoSessionsOfOneProtocolGetAGroupEachWithGroupByFile() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let (_, monday, tuesday) = try await twoSessionsOfOneProtocol(server)
        let byProtocol = try await CLIHarness.run(["score", monday, tuesday, "--json", "--no-save"])
        #expect(byProtocol.status == 0, "\(byProtocol.stderr)")
        #expect(try Self.groups(byProtocol.stdout) == ["brainwriting"])
        let byFile = try await CLIHarness.run(["score", monday, tuesday, "--json", "--no-save", "--group-by", "file"])
        #expect(byFile.status == 0, "\(byFile.stderr)")
        #expect(try Self.groups(byFile.stdout) == ["monday", "tuesday"])
    }

    @Test func groupPathEqualsLabelNamesEachFilesGroup() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let (_, monday, tuesday) = try await twoSessionsOfOneProtocol(server)
        let result = try await CLIHarness.run(["score", monday, tuesday, "--json", "--no-save", "--group", "\(monday)=baseline", "--group", "\(tuesday)=with-expert"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.groups(result.stdout) == ["baseline", "with-expert"])
        #expect(result.stderr.isEmpty, "no deprecation warning for the PATH=LABEL form: \(result.stderr)")
    }

    @Test func aBareGroupLabelStillLabelsEveryTranscriptWithADeprecationWarning() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let (_, monday, tuesday) = try await twoSessionsOfOneProtocol(server)
        let result = try await CLIHarness.run(["score", monday, tuesday, "--json", "--no-save", "--group", "llm"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.groups(result.stdout) == ["llm"])
        #expect(result.stderr.contains("deprecated"))
    }

    @Test func aGroupLabelForAFileNotScoredIsOneLineAndExit65() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let (_, monday, _) = try await twoSessionsOfOneProtocol(server)
        let result = try await CLIHarness.run(["score", monday, "--json", "--no-save", "--group", "nowhere.jsonl=x"])
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("nowhere.jsonl"))
    }

    @Test func anUnknownGroupByValueIsAUsageError() async throws {
        let result = try await CLIHarness.run(["score", "x.jsonl", "--group-by", "colour"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("colour"))
    }
}
