import Foundation
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// A session that cannot run says so before its first turn, and leaves no transcript behind.
@Suite struct PreflightTests {
    /// An environment in which the local runtime is not installed.
    private static func withoutLocalRuntime(_ folder: TemporaryFolder) -> [String: String] {
        ["POLYPHONY_CACHE": folder.path + "/empty-cache", "POLYPHONY_LLAMA_SERVER": "", "POLYPHONY_LOCAL_MODEL": ""]
    }

    @Test func aSessionOnAMissingLocalRuntimeExitsBeforeWritingATranscript() async throws {
        let folder = try TemporaryFolder()
        let session = try folder.write(
            "s.yaml", RunCommandTests.sessionYAML(protocol: "brainwriting", rounds: 2, participants: ["hci-mid", "generalist-tinkerer"], backend: "local")
        )
        let transcript = folder.path + "/t.jsonl"
        let result = try await CLIHarness.run(
            ["run", session, "--personas", RunCommandTests.repository + "/personas", "--out", transcript, "--quiet"],
            currentDirectory: folder.path, environment: Self.withoutLocalRuntime(folder)
        )
        #expect(result.status != 0)
        #expect(result.stderr.contains("local model runtime is not installed"))
        #expect(result.stderr.split(separator: "\n").count == 1, "one line, not the same error three times: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: transcript))
    }

    @Test func aSessionOnALoopbackServerThatIsNotRunningExitsBeforeWritingATranscript() async throws {
        let stopped = try LoopbackHTTPServer { _, writer in writer.send(status: 200, text: "") }
        let port = stopped.port
        stopped.stop()
        let folder = try TemporaryFolder()
        try folder.write("backends.yaml", "backends:\n  mine:\n    kind: ollama\n    base_url: http://127.0.0.1:\(port)\n    model: m\n")
        let session = try folder.write("s.yaml", RunCommandTests.sessionYAML(protocol: "solo", rounds: 1, participants: ["hci-mid"], backend: "mine"))
        let transcript = folder.path + "/t.jsonl"
        let result = try await CLIHarness.run([
            "run", session, "--personas", RunCommandTests.repository + "/personas", "--backends", folder.path + "/backends.yaml",
            "--out", transcript, "--quiet",
        ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("no server is listening at http://127.0.0.1:\(port)"))
        #expect(!FileManager.default.fileExists(atPath: transcript))
    }

    @Test func aSessionWhoseKeyVariableIsUnsetExitsBeforeWritingATranscript() async throws {
        let folder = try TemporaryFolder()
        let session = try folder.write("s.yaml", RunCommandTests.sessionYAML(protocol: "solo", rounds: 1, participants: ["hci-mid"], backend: "openai"))
        let transcript = folder.path + "/t.jsonl"
        let result = try await CLIHarness.run(
            ["run", session, "--personas", RunCommandTests.repository + "/personas", "--out", transcript, "--quiet"],
            currentDirectory: folder.path, environment: ["OPENAI_API_KEY": "", "HOME": folder.path]
        )
        #expect(result.status != 0)
        #expect(result.stderr.contains("OPENAI_API_KEY is not set"))
        #expect(!FileManager.default.fileExists(atPath: transcript))
    }

    @Test func anExperimentOnAMissingLocalRuntimeStartsNoSession() async throws {
        let folder = try TemporaryFolder()
        let grid = try folder.write("grid.yaml", ExperimentCommandTests.gridYAML().replacingOccurrences(of: "backend: openai", with: "backend: local"))
        let out = folder.path + "/results"
        let result = try await CLIHarness.run(
            ["experiment", "run", grid, "--out", out, "--personas", ExperimentCommandTests.personas, "--quiet"],
            currentDirectory: folder.path, environment: Self.withoutLocalRuntime(folder)
        )
        #expect(result.status != 0)
        #expect(result.stderr.contains("local model runtime is not installed"))
        let transcripts = (try? FileManager.default.contentsOfDirectory(atPath: out + "/runs")) ?? []
        #expect(transcripts.isEmpty)
    }

    @Test func aMissingHumanScriptExitsBeforeWritingATranscript() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try RunCommandTests.Workspace(
            server: server, session: RunCommandTests.sessionYAML(protocol: "round-robin", rounds: 1, participants: ["hci-mid", "human"])
        )
        let result = try await CLIHarness.run(workspace.arguments + ["--quiet", "--human-script", workspace.folder.path + "/missing.txt"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("missing.txt: cannot be read"))
        #expect(!FileManager.default.fileExists(atPath: workspace.transcript))
        #expect(server.requestCount == 0)
    }
}
