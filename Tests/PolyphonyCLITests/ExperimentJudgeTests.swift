import Foundation
import PolyphonyCore
import PolyphonyTestSupport
import Synchronization
import Testing

/// `experiment analyze` with the grid's `scoring: judge:`: quality per condition, with each
/// run's judging cached so a second or interrupted analysis asks only for what is missing.
@Suite struct ExperimentJudgeTests {
    /// Counts the judge's requests at the server; everything else gets numbered ideas.
    final class JudgeCounter: Sendable {
        let count = Mutex(0)

        var responder: FakeLLMServer.Responder {
            { [self] prompt in
                guard prompt.messages.first?.content.contains("novelty") == true else { return FakeLLMServer.numberedIdeas(prompt) }
                count.withLock { $0 += 1 }
                let score = 1 + (prompt.messages.last?.content.count ?? 0) % 10
                return #"{"novelty": \#(score), "feasibility": 5, "specificity": 6, "impact": 7, "coherence": 8}"#
            }
        }

        var requests: Int { count.withLock { $0 } }
    }

    @Test func analyzeJudgesEachRunOnceAndAsksAgainOnlyForARunWhoseCacheIsGone() async throws {
        let counter = JudgeCounter()
        let server = try FakeLLMServer(responder: counter.responder)
        defer { server.stop() }
        let workspace = try ExperimentCommandTests.Workspace(server: server)
        try workspace.folder.write("grid.yaml", ExperimentCommandTests.gridYAML() + "\n  judge: { backend: openai, reviews: 1 }\n")
        let run = try await CLIHarness.run(workspace.run("bb", ["--quiet"]))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(counter.requests == 0, "running the grid does not judge")

        let analyze = ["experiment", "analyze", workspace.path("bb"), "--json", "--bootstrap", "200", "--no-cache", "--backends", workspace.backends]
        let first = try await CLIHarness.run(analyze)
        #expect(first.status == 0, "\(first.stderr)")
        try JSONOutputSchemaTests.expectConforms(first.stdout, to: "experiment")
        let transcripts = try workspace.transcripts("bb")
        let ideas = try transcripts.map { try String(contentsOfFile: $0, encoding: .utf8).components(separatedBy: "\"type\":\"idea\"").count - 1 }
        #expect(counter.requests == ideas.reduce(0, +), "one review per idea of every run")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let tables = try #require(report["metrics"] as? [[String: Any]])
        let novelty = try #require(tables.first { $0["metric"] as? String == "quality_novelty" })
        let conditions = try #require(novelty["conditions"] as? [[String: Any]])
        #expect(conditions.map { $0["n"] as? Int } == [4, 4])
        #expect(conditions.allSatisfy { ($0["mean"] as? Double).map { (1...10).contains($0) } == true })

        let second = try await CLIHarness.run(analyze)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(counter.requests == ideas.reduce(0, +), "a second analysis reads every run's judging from its cache")
        #expect(try Self.qualityTables(second.stdout) == Self.qualityTables(first.stdout))

        // As if the first analysis had been killed before judging this run.
        try FileManager.default.removeItem(atPath: transcripts[0] + ".quality")
        let third = try await CLIHarness.run(analyze)
        #expect(third.status == 0, "\(third.stderr)")
        #expect(counter.requests == ideas.reduce(0, +) + ideas[0], "only the run without a cached result is judged again")
        #expect(try Self.qualityTables(third.stdout) == Self.qualityTables(first.stdout))
    }

    /// The `quality_*` tables of an analysis, as JSON text, to compare cached with fresh results.
    /// (Embedding metrics may differ in the last float digits between processes.)
    static func qualityTables(_ json: String) throws -> String {
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let tables = (report["metrics"] as? [[String: Any]] ?? []).filter { ($0["metric"] as? String)?.hasPrefix("quality_") == true }
        #expect(tables.count == 5)
        return String(decoding: try JSONSerialization.data(withJSONObject: tables, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test func aJudgeBlockWithAnUnknownFieldIsAnErrorNamingTheGridLine() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try ExperimentCommandTests.Workspace(server: server)
        try workspace.folder.write("grid.yaml", ExperimentCommandTests.gridYAML() + "\n  judge: { backend: openai, reveiws: 1 }\n")
        let result = try await CLIHarness.run(workspace.run("bb", ["--quiet"]))
        #expect(result.status == 65)
        #expect(result.stderr.contains("grid.yaml:"), "\(result.stderr)")
        #expect(result.stderr.contains("reveiws"))
    }
}
