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
        /// The process to kill with SIGKILL when judge request `at` arrives (pid 0: none);
        /// cleared once killed.
        let victim = Mutex<(pid: Int32, at: Int)>((0, 0))

        var responder: FakeLLMServer.Responder {
            { [self] prompt in
                guard prompt.messages.first?.content.contains("novelty") == true else { return FakeLLMServer.numberedIdeas(prompt) }
                let number = count.withLock { $0 += 1; return $0 }
                // From request `at` on (the pid may be set a little late), once.
                let pid = victim.withLock { state -> Int32 in
                    guard state.pid > 0, number >= state.at else { return 0 }
                    defer { state.pid = 0 }
                    return state.pid
                }
                if pid > 0 { kill(pid, SIGKILL) }
                let score = 1 + (prompt.messages.last?.content.count ?? 0) % 10
                return #"{"novelty": \#(score), "feasibility": 5, "specificity": 6, "impact": 7, "coherence": 8}"#
            }
        }

        var requests: Int { count.withLock { $0 } }
    }

    /// Runs the 2 × 2 × 2 grid with a judge block against `server`.
    /// - Returns: The workspace, and the `experiment analyze --json` command for its runs.
    static func judgedGrid(_ server: FakeLLMServer) async throws -> (workspace: ExperimentCommandTests.Workspace, analyze: [String]) {
        let workspace = try ExperimentCommandTests.Workspace(server: server)
        try workspace.folder.write("grid.yaml", ExperimentCommandTests.gridYAML() + "\n  judge: { backend: openai, reviews: 1 }\n")
        let run = try await CLIHarness.run(workspace.run("bb", ["--quiet"]))
        #expect(run.status == 0, "\(run.stderr)")
        let analyze = ["experiment", "analyze", workspace.path("bb"), "--json", "--bootstrap", "200", "--no-cache", "--backends", workspace.backends]
        return (workspace, analyze)
    }

    /// Ideas per transcript: one judge request each with one review.
    static func ideaCounts(_ transcripts: [String]) throws -> [Int] {
        try transcripts.map { try String(contentsOfFile: $0, encoding: .utf8).components(separatedBy: "\"type\":\"idea\"").count - 1 }
    }

    @Test func analyzeJudgesEachRunOnceAndAsksAgainOnlyForARunWhoseCacheIsGone() async throws {
        let counter = JudgeCounter()
        let server = try FakeLLMServer(responder: counter.responder)
        defer { server.stop() }
        let (workspace, analyze) = try await Self.judgedGrid(server)
        #expect(counter.requests == 0, "running the grid does not judge")

        let first = try await CLIHarness.run(analyze)
        #expect(first.status == 0, "\(first.stderr)")
        try JSONOutputSchemaTests.expectConforms(first.stdout, to: "experiment")
        let transcripts = try workspace.transcripts("bb")
        let ideas = try Self.ideaCounts(transcripts)
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

    @Test func anAnalysisKilledMidJudgingResumesAskingOnlyForRunsItHadNotFinished() async throws {
        let counter = JudgeCounter()
        let server = try FakeLLMServer(responder: counter.responder)
        defer { server.stop() }
        let (workspace, analyze) = try await Self.judgedGrid(server)
        let transcripts = try workspace.transcripts("bb")
        let ideas = try Self.ideaCounts(transcripts)
        let total = ideas.reduce(0, +)

        // Killed by the server itself when the judge request just past half of them arrives.
        let first = try CLIHarness.start(analyze, stdout: FileHandle.nullDevice, stderr: FileHandle.nullDevice)
        counter.victim.withLock { $0 = (first.processIdentifier, total / 2 + 1) }
        await CLIHarness.wait(first)
        #expect(first.terminationReason == .uncaughtSignal)
        let beforeResume = counter.requests
        let finished = transcripts.indices.filter { FileManager.default.fileExists(atPath: transcripts[$0] + ".quality") }
        try #require(!finished.isEmpty && finished.count < transcripts.count, "the kill must land between runs judged and runs not judged")

        let resumed = try await CLIHarness.run(analyze)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let unfinished = transcripts.indices.filter { !finished.contains($0) }.map { ideas[$0] }.reduce(0, +)
        #expect(counter.requests - beforeResume == unfinished, "no judge request is repeated for a run judged before the kill")

        // Per-condition quality means with intervals, and the pairwise difference.
        let report = try #require(try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
        let novelty = try #require((report["metrics"] as? [[String: Any]])?.first { $0["metric"] as? String == "quality_novelty" })
        let conditions = try #require(novelty["conditions"] as? [[String: Any]])
        #expect(conditions.count == 2 && conditions.allSatisfy { ($0["interval"] as? [String: Any])?["lower"] is Double })
        let comparisons = try #require(novelty["comparisons"] as? [[String: Any]])
        #expect(comparisons.count == 1 && comparisons[0]["difference"] is Double && comparisons[0]["kind"] as? String == "planned")
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
