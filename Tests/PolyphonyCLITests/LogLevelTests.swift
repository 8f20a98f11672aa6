import Foundation
import PolyphonyTestSupport
import Testing

/// `--log-level` and `POLYPHONY_LOG_LEVEL`: log lines on stderr, off unless asked for.
@Suite struct LogLevelTests {
    /// Runs a one-turn session whose first request gets a 500, so the backend retries once.
    /// - Returns: The command's result, and how many requests the server saw.
    static func runRetried(_ extra: [String], environment: [String: String] = [:]) async throws -> (CLIHarness.Result, Int) {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try RunCommandTests.Workspace(
            server: server, session: RunCommandTests.sessionYAML(protocol: "solo", rounds: 1, participants: ["urban-planning-senior"]))
        server.inject(.serverError)
        let result = try await CLIHarness.run(workspace.arguments + ["--quiet"] + extra, environment: environment)
        return (result, server.requestCount)
    }

    /// The lines of `stderr` that are log records.
    static func logLines(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter { line in
            ["trace", "debug", "info", "notice"].contains { line.hasPrefix("polyphony: \($0): ") }
        }
    }

    @Test func withoutALogLevelARetriedRunPrintsNoLogLines() async throws {
        let (result, requests) = try await Self.runRetried([], environment: ["POLYPHONY_LOG_LEVEL": ""])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(requests == 2)
        #expect(Self.logLines(result.stderr).isEmpty, "\(result.stderr)")
    }

    @Test func logLevelOffPrintsNoLogLinesWhateverTheEnvironmentSays() async throws {
        let (result, _) = try await Self.runRetried(["--log-level", "off"], environment: ["POLYPHONY_LOG_LEVEL": "debug"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Self.logLines(result.stderr).isEmpty, "\(result.stderr)")
    }

    @Test func atDebugARetriedRequestIsLoggedWithBackendAndAttempt() async throws {
        let (result, _) = try await Self.runRetried(["--log-level", "debug"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = Self.logLines(result.stderr)
        #expect(lines.contains { $0.hasPrefix("polyphony: info: attempt failed") && $0.contains(" attempt=1 ") && $0.contains(" backend=openai ") && $0.contains(" status=500") }, "\(result.stderr)")
        #expect(lines.contains { $0.hasPrefix("polyphony: info: retrying") && $0.contains("attempt=2") && $0.contains(" backend=openai") }, "\(result.stderr)")
        #expect(lines.contains { $0.hasPrefix("polyphony: debug: turn recorded") && $0.contains(" attempts=2 ") }, "\(result.stderr)")
    }

    @Test func theEnvironmentVariableSetsTheLevelWhenTheFlagIsAbsent() async throws {
        let (result, _) = try await Self.runRetried([], environment: ["POLYPHONY_LOG_LEVEL": "info"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = Self.logLines(result.stderr)
        #expect(lines.contains { $0.hasPrefix("polyphony: info: retrying") }, "\(result.stderr)")
        #expect(!lines.contains { $0.hasPrefix("polyphony: debug: ") }, "\(result.stderr)")
    }

    @Test func aCacheHitIsLoggedAtDebug() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try RunCommandTests.Workspace(
            server: server, session: RunCommandTests.sessionYAML(protocol: "solo", rounds: 1, participants: ["urban-planning-senior"]))
        // Cached this time, and a fresh transcript each run.
        func arguments(out: String) -> [String] {
            workspace.arguments.filter { $0 != "--no-cache" }.map { $0 == workspace.transcript ? workspace.folder.path + "/" + out : $0 }
                + ["--quiet", "--cache-dir", workspace.folder.path + "/cache"]
        }
        let first = try await CLIHarness.run(arguments(out: "first.jsonl"))
        #expect(first.status == 0, "\(first.stderr)")
        let second = try await CLIHarness.run(arguments(out: "second.jsonl") + ["--log-level", "debug"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(server.requestCount == 1)
        #expect(Self.logLines(second.stderr).contains { $0.hasPrefix("polyphony: debug: response cache hit") && $0.contains(" backend=openai") }, "\(second.stderr)")
    }

    @Test(arguments: [
        ["run", "session.yaml", "--log-level", "loud"],
        ["replay", "t.jsonl", "--log-level", "loud"],
        ["backends", "check", "--log-level", "loud"],
        ["experiment", "run", "grid.yaml", "--log-level", "loud"],
        ["experiment", "analyze", "results/x", "--log-level", "loud"],
        ["score", "t.jsonl", "--log-level", "loud"],
        ["baseline", "--topic", "x", "--backend", "openai", "--log-level", "loud"],
        ["rate", "t.jsonl", "--rater", "ana", "--log-level", "loud"],
    ])
    func aBadLogLevelIsAUsageError(arguments: [String]) async throws {
        let result = try await CLIHarness.run(arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains("--log-level"), "\(result.stderr)")
    }

    @Test func aBadLogLevelInTheEnvironmentIsAUsageError() async throws {
        let result = try await CLIHarness.run(["replay", "t.jsonl"], environment: ["POLYPHONY_LOG_LEVEL": "loud"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("POLYPHONY_LOG_LEVEL"), "\(result.stderr)")
    }
}
