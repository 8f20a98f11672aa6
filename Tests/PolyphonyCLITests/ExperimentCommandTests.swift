import Foundation
import PolyphonyCore
import PolyphonyTestSupport
import PolyphonyTranscript
import Synchronization
import Testing

/// End-to-end: `polyphony experiment` against a fake LLM server on 127.0.0.1.
@Suite struct ExperimentCommandTests {
    static let personas = RunCommandTests.repository + "/personas"

    /// 2 conditions × 2 topics × 2 seeds = 8 sessions of 2 requests each.
    static func gridYAML() -> String {
        """
        name: tiny
        defaults:
          backend: openai
          limits: { max_tokens_per_turn: 100, ideas_per_turn: 3 }
        conditions:
          solo:
            protocol: solo
            rounds: 2
            participants: [urban-planning-senior]
          pair:
            protocol: round-robin
            rounds: 1
            participants: [ecology-junior, generalist-observant]
        topics:
          - id: heat
            text: How might a city keep streets cool in heatwaves?
          - id: water
            text: How might a town cut household water use by a fifth?
        seeds: [3, 4]
        contrasts: [[solo, pair]]
        scoring:
          bootstrap: 2000
        """
    }

    struct Workspace {
        let folder: TemporaryFolder
        let grid: String
        let backends: String

        init(server: FakeLLMServer) throws {
            folder = try TemporaryFolder()
            backends = try folder.write("backends.yaml", server.backendsYAML(kinds: [.openai]))
            grid = try folder.write("grid.yaml", ExperimentCommandTests.gridYAML())
        }

        func run(_ out: String, _ extra: [String] = []) -> [String] {
            ["experiment", "run", grid, "--out", folder.path + "/" + out, "--personas", ExperimentCommandTests.personas,
             "--backends", backends, "--no-cache", "--concurrency", "2"] + extra
        }

        func path(_ name: String) -> String { folder.path + "/" + name }

        func transcripts(_ out: String) throws -> [String] {
            let runs = path(out) + "/runs"
            return try FileManager.default.contentsOfDirectory(atPath: runs).filter { $0.hasSuffix(".jsonl") }.sorted().map { runs + "/" + $0 }
        }
    }

    @Test func analyzeReportsReferenceNoveltyAndHivemindShareAgainstABaselineOfTheGridsTopics() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try Workspace(server: server)
        #expect(try await CLIHarness.run(workspace.run("out", ["--quiet"])).status == 0)
        // The baseline asks the same fake model about the grid's topics: what the models say anyway.
        let baseline = try await CLIHarness.run([
            "baseline", workspace.grid, "--backend", "openai", "--samples", "3", "--backends", workspace.backends,
            "--out", workspace.path("pool.jsonl"), "--no-cache",
        ])
        #expect(baseline.status == 0, "\(baseline.stderr)")
        let analysis = try await CLIHarness.run(["experiment", "analyze", workspace.path("out"), "--json", "--reference", workspace.path("pool.jsonl")])
        #expect(analysis.status == 0, "\(analysis.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(analysis.stdout.utf8)) as? [String: Any])
        let metrics = try #require(report["metrics"] as? [[String: Any]])
        for name in ["reference_novelty", "hivemind_share"] {
            let table = try #require(metrics.first { $0["metric"] as? String == name }, "\(name)")
            let summaries = try #require(table["conditions"] as? [[String: Any]])
            #expect(summaries.allSatisfy { $0["n"] as? Int == 4 }, "\(name): \(summaries)")
        }
        let share = try #require(metrics.first { $0["metric"] as? String == "hivemind_share" }?["conditions"] as? [[String: Any]])
        // The fake model draws from one small idea list, so the pool already holds most of what the agents said.
        #expect(share.allSatisfy { (($0["mean"] as? Double) ?? 0) > 0.5 }, "\(share)")
    }

    @Test func analysingAnExperimentWithNoCompletedRunIsAnError() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        server.inject(.unauthorized, times: 100)
        let workspace = try Workspace(server: server)
        let failed = try await CLIHarness.run(workspace.run("failed", ["--quiet"]))
        #expect(failed.status == 1)
        let analysis = try await CLIHarness.run(["experiment", "analyze", workspace.path("failed")])
        #expect(analysis.status == 65)
        #expect(analysis.stdout.isEmpty)
        #expect(analysis.stderr.contains("no completed run to analyse (0 of 8)"))
    }

    @Test func anExperimentKilledHalfWayResumesAndItsShardsMergeToTheSameAnalysis() async throws {
        // The server kills the runner with SIGKILL while it answers request 9 of 16, so the
        // kill lands mid-grid (some sessions done, some mid-turn) however loaded the machine is.
        let target = SignalOnRequest(SIGKILL, atRequest: 9)
        let server = try FakeLLMServer(options: .init(latency: .milliseconds(10)), responder: target.responder)
        defer { server.stop() }
        let workspace = try Workspace(server: server)

        let first = try CLIHarness.start(workspace.run("full", ["--quiet"]))
        target.target(first.processIdentifier)
        await CLIHarness.wait(first)
        #expect(first.terminationReason == .uncaughtSignal)
        target.target(0)
        let endsAfterKill = try workspace.transcripts("full").map { try TranscriptReader(path: $0).readAll().events.end?.status }
        try #require(endsAfterKill.filter { $0 == .completed }.count < 8, "the grid finished before the kill; the test proves nothing")
        #expect(endsAfterKill.contains(.completed))

        let resumed = try await CLIHarness.run(workspace.run("full"))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("8/8 sessions completed"), "\(resumed.stdout)")
        let alreadyLines = resumed.stderr.split(separator: "\n").filter { $0.contains("already complete") }
        #expect(alreadyLines.count == 1, "one summary line for what was already done: \(resumed.stderr)")
        #expect(resumed.stderr.contains("[8/8]"))
        let transcripts = try workspace.transcripts("full")
        #expect(transcripts.count == 8)
        for path in transcripts {
            let events = try TranscriptReader(path: path).readAll().events
            #expect(events.end?.status == .completed)
            #expect(events.filter { if case .session = $0 { true } else { false } }.count == 1)
            #expect(events.turns.count == 2, "every turn exactly once in \(path)")
            #expect(Set(events.turns.map(\.index)).count == events.turns.count)
        }

        let analysis = try await CLIHarness.run(["experiment", "analyze", workspace.path("full"), "--json", "--csv", workspace.path("runs.csv"), "--html", workspace.path("report.html")])
        #expect(analysis.status == 0, "\(analysis.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(analysis.stdout.utf8)) as? [String: Any])
        #expect((report["runs"] as? [Any])?.count == 8)
        #expect((report["missing"] as? [Any])?.isEmpty == true)
        let metrics = try #require(report["metrics"] as? [[String: Any]])
        let vendi = try #require(metrics.first { $0["metric"] as? String == "vendi" })
        let summaries = try #require(vendi["conditions"] as? [[String: Any]])
        #expect(summaries.map { $0["condition"] as? String } == ["solo", "pair"])
        for summary in summaries {
            let mean = try #require(summary["mean"] as? Double)
            let interval = try #require(summary["interval"] as? [String: Double])
            #expect(summary["n"] as? Int == 4)
            #expect(try #require(interval["lower"]) <= mean && mean <= (try #require(interval["upper"])))
        }
        let comparison = try #require((vendi["comparisons"] as? [[String: Any]])?.first)
        #expect(comparison["first"] as? String == "solo" && comparison["second"] as? String == "pair")
        #expect(comparison["interval"] is [String: Double])
        let html = try String(contentsOfFile: workspace.path("report.html"), encoding: .utf8)
        #expect(html.contains("<h2>vendi</h2>") && html.contains("<svg"))
        let csv = try String(contentsOfFile: workspace.path("runs.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("run,condition,topic,seed,metric,value\r\n"))
        #expect(csv.contains("pair__water__s4,pair,water,4,ideas,"))

        // Two slices into two folders, merged, analyse to the very same report.
        for index in 1...2 {
            let slice = try await CLIHarness.run(workspace.run("slice\(index)", ["--shard", "\(index)/2", "--quiet"]))
            #expect(slice.status == 0, "\(slice.stderr)")
            #expect(try workspace.transcripts("slice\(index)").count == 4)
        }
        let merge = try await CLIHarness.run(["experiment", "merge", workspace.path("slice1"), workspace.path("slice2"), "--out", workspace.path("merged")])
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(merge.stdout.contains("8 completed"))
        let mergedAnalysis = try await CLIHarness.run(["experiment", "analyze", workspace.path("merged"), "--json"])
        #expect(mergedAnalysis.status == 0, "\(mergedAnalysis.stderr)")
        // The scoring module sums parallel partial results in completion order, so the last
        // bits of a metric may differ between two analyses of the very same files: compare
        // numbers to 1e-6, everything else exactly.
        let mergedDifferences = Self.differences(try Self.json(mergedAnalysis.stdout), try Self.json(analysis.stdout))
        #expect(mergedDifferences.isEmpty, "\(mergedDifferences.prefix(5))")
        let slicesTogether = try await CLIHarness.run(["experiment", "analyze", workspace.path("slice1"), workspace.path("slice2"), "--json"])
        let sliceDifferences = Self.differences(try Self.json(slicesTogether.stdout), try Self.json(analysis.stdout))
        #expect(sliceDifferences.isEmpty, "\(sliceDifferences.prefix(5))")
        // The transcripts themselves hold the same ideas, run by run.
        for (full, merged) in zip(try workspace.transcripts("full"), try workspace.transcripts("merged")) {
            #expect((full as NSString).lastPathComponent == (merged as NSString).lastPathComponent)
            #expect(try TranscriptReader(path: full).readAll().events.ideas.map(\.text) == (try TranscriptReader(path: merged).readAll().events.ideas.map(\.text)))
        }
    }

    static func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    /// Paths where two JSON values differ; numbers within 1e-6 (relative above 1) count as equal.
    static func differences(_ a: Any, _ b: Any, path: String = "$") -> [String] {
        switch (a, b) {
        case (let a as [String: Any], let b as [String: Any]):
            guard Set(a.keys) == Set(b.keys) else { return [path + " keys"] }
            return a.keys.sorted().flatMap { differences(a[$0]!, b[$0]!, path: path + "." + $0) }
        case (let a as [Any], let b as [Any]):
            guard a.count == b.count else { return [path + " count"] }
            return zip(a, b).enumerated().flatMap { differences($0.element.0, $0.element.1, path: path + "[\($0.offset)]") }
        case (let a as String, let b as String):
            return a == b ? [] : [path]
        case (let a as NSNumber, let b as NSNumber):
            let x = a.doubleValue, y = b.doubleValue
            return abs(x - y) <= 1e-6 * max(1, abs(x), abs(y)) ? [] : [path + ": \(x) vs \(y)"]
        default:
            return "\(a)" == "\(b)" ? [] : [path]
        }
    }

    @Test func aGridErrorNamesTheGridFileAndLine() async throws {
        let folder = try TemporaryFolder()
        let grid = try folder.write("bad.yaml", Self.gridYAML().replacingOccurrences(of: "protocol: round-robin", with: "protocol: brainstorm"))
        let result = try await CLIHarness.run(["experiment", "run", grid, "--out", folder.path + "/out", "--personas", Self.personas])
        #expect(result.status != 0)
        #expect(result.stderr.contains("bad.yaml:11"), "\(result.stderr)")
        #expect(result.stderr.contains("brainstorm"))
    }

    @Test func slicesOfDifferentGridsAreNotMerged() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try Workspace(server: server)
        let other = try workspace.folder.write("other.yaml", Self.gridYAML().replacingOccurrences(of: "seeds: [3, 4]", with: "seeds: [5]"))
        let first = try await CLIHarness.run(workspace.run("a", ["--shard", "1/8", "--quiet"]))
        #expect(first.status == 0, "\(first.stderr)")
        var arguments = workspace.run("b", ["--shard", "1/8", "--quiet"])
        arguments[2] = other
        let second = try await CLIHarness.run(arguments)
        #expect(second.status == 0, "\(second.stderr)")
        let merge = try await CLIHarness.run(["experiment", "merge", workspace.path("a"), workspace.path("b"), "--out", workspace.path("m")])
        #expect(merge.status != 0)
        #expect(merge.stderr.contains("different grid"), "\(merge.stderr)")
    }

    /// Each shipped grid, and the number of sessions it expands to.
    @Test(arguments: [("beyond-brainstorming", 105), ("homogeneity", 64), ("human-in-the-loop", 36)])
    func aShippedExperimentRunsAsItIsOnAnyBackend(name: String, sessions: Int) async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let folder = try TemporaryFolder()
        let backends = try folder.write("backends.yaml", server.backendsYAML(kinds: [.openai]))
        let grid = RunCommandTests.repository + "/experiments/\(name).yaml"
        // The last slice of n = sessions is the grid's last session: the human condition of
        // human-in-the-loop, the several-model condition of homogeneity.
        let result = try await CLIHarness.run(["experiment", "run", grid, "--out", folder.path + "/out", "--personas", Self.personas,
                                               "--backends", backends, "--backend", "openai", "--no-cache", "--shard", "\(sessions)/\(sessions)", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("1/1 sessions completed"), "\(result.stdout)")
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.path + "/out/manifest.json"))) as? [String: Any])
        #expect((manifest["runs"] as? [Any])?.count == sessions)
        if name == "human-in-the-loop" {
            let transcript = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/out/runs").first)
            let events = try TranscriptReader(path: folder.path + "/out/runs/" + transcript).readAll().events
            let human = events.turns.filter { $0.kind == .human }
            #expect(human.contains { $0.response.contains("Pay neighbours a small stipend") }, "the scripted second answer is the human's round-2 turn")
            #expect(human.contains { $0.phase.hasPrefix("inject") })
        }
    }

    @Test func aGridNamingAnUnknownBackendFailsBeforeAnySessionStarts() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let folder = try TemporaryFolder()
        let backends = try folder.write("backends.yaml", server.backendsYAML(kinds: [.openai]))
        let result = try await CLIHarness.run(["experiment", "run", RunCommandTests.repository + "/experiments/homogeneity.yaml", "--out", folder.path + "/out",
                                               "--personas", Self.personas, "--backends", backends, "--no-cache", "--quiet"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("model-a"), "\(result.stderr)")
        #expect(server.requestCount == 0)
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/out"), "nothing is written before the grid binds")
    }

    /// Six one-request-at-a-time solo sessions; `--concurrency` bounds the sessions, the
    /// backend's `max_concurrency` bounds the requests of all sessions together.
    @Test(arguments: [(4, 1, 1), (2, 8, 2)])
    func theSessionBoundAndTheBackendLimitBothHold(concurrency: Int, maxConcurrency: Int, expectedMax: Int) async throws {
        // The first `expectedMax` requests wait at the server for each other, so sessions that
        // may overlap provably do; the rest, 100 ms each, would show any excess at once.
        let barrier = ArrivalBarrier(count: expectedMax)
        let server = try FakeLLMServer(options: .init(latency: .milliseconds(100))) { prompt in
            barrier.arrive()
            return FakeLLMServer.numberedIdeas(prompt)
        }
        defer { server.stop() }
        let folder = try TemporaryFolder()
        let backends = try folder.write("backends.yaml", server.backendsYAML(kinds: [.openai]) + "    max_concurrency: \(maxConcurrency)\n")
        let grid = try folder.write("grid.yaml", """
            conditions:
              solo: { protocol: solo, rounds: 1, backend: openai, participants: [hci-mid] }
            topics: [How might a library lend more than books?]
            replicates: 6
            """)
        let result = try await CLIHarness.run(["experiment", "run", grid, "--out", folder.path + "/out", "--personas", Self.personas,
                                               "--backends", backends, "--no-cache", "--concurrency", "\(concurrency)", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(server.requestCount == 6)
        #expect(barrier.wasReached)
        #expect(server.maxInFlight == expectedMax)
    }

    /// The fake server sends SIGINT while it answers the second request: the first turn of
    /// the second of two sessions started together (every session here takes two turns), so
    /// both are mid-session however loaded the machine is. At the third request both sessions
    /// may be on their last turn, and an answer already on its way can complete them.
    @Test func ctrlCStopsEverySessionAsInterruptedAndTheSameCommandFinishesThem() async throws {
        let target = SignalOnRequest(SIGINT, atRequest: 2)
        let server = try FakeLLMServer(options: .init(latency: .milliseconds(200)), responder: target.responder)
        defer { server.stop() }
        let workspace = try Workspace(server: server)
        let process = try CLIHarness.start(workspace.run("out", ["--quiet"]))
        target.target(process.processIdentifier)
        await CLIHarness.wait(process)
        #expect(process.terminationStatus == 130)
        let ends = try workspace.transcripts("out").map { try TranscriptReader(path: $0).readAll().events.end?.status }
        #expect(ends.contains(.interrupted), "\(ends)")
        #expect(!ends.contains(nil), "every started session wrote its end event")

        let resumed = try await CLIHarness.run(workspace.run("out", ["--quiet"]))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("8/8 sessions completed"))
    }
}

