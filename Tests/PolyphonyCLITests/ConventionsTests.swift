import Foundation
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// The environment variables and flags people already use with other LLM tools.
@Suite struct ConventionsTests {
    /// A working folder with no backends file, and a home without one either.
    private static func bareEnvironment(_ folder: TemporaryFolder) -> [String: String] {
        ["HOME": folder.path, "XDG_CONFIG_HOME": folder.path + "/config", "POLYPHONY_CACHE": folder.path + "/cache"]
    }

    @Test func theBuiltInOpenAIEntryGoesWhereOPENAI_BASE_URLPoints() async throws {
        let server = try FakeLLMServer(options: .init(requiredAPIKey: "sk-conventions-0000"))
        defer { server.stop() }
        let folder = try TemporaryFolder()
        let session = try folder.write(
            "session.yaml", RunCommandTests.sessionYAML(protocol: "solo", rounds: 1, participants: ["urban-planning-senior"], backend: "local")
        )
        var environment = Self.bareEnvironment(folder)
        environment["OPENAI_BASE_URL"] = server.baseURL + "/v1"
        environment["OPENAI_API_KEY"] = "sk-conventions-0000"
        let result = try await CLIHarness.run(
            ["run", session, "--personas", RunCommandTests.repository + "/personas", "--backend", "openai", "--out", folder.path + "/t.jsonl", "--quiet"],
            currentDirectory: folder.path, environment: environment
        )
        #expect(result.status == 0, "\(result.stderr)")
        #expect(server.requestCount == 1)
        #expect(server.recordedRequests.first?.http.header("authorization") == "Bearer sk-conventions-0000")
    }

    @Test func modelOverridesTheModelOfEveryAgentSeatInTheRequestAndHeader() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try RunCommandTests.Workspace(
            server: server, session: RunCommandTests.sessionYAML(protocol: "round-robin", rounds: 1, participants: ["hci-mid", "generalist-curious"])
        )
        let result = try await CLIHarness.run(workspace.arguments + ["--quiet", "--model", "my-fine-tune"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(server.recordedRequests.count == 2)
        #expect(server.recordedRequests.allSatisfy { $0.prompt?.model == "my-fine-tune" })
        guard case .session(let header) = try workspace.events().first else { Issue.record("no header"); return }
        #expect(header.participants.allSatisfy { $0.model == "my-fine-tune" })
    }

    /// A session file without any `backend:`.
    private static let sessionNamingNoBackend = """
        topic: How might a city keep streets cool in heatwaves?
        protocol: solo
        rounds: 1
        participants: [urban-planning-senior]
        """

    @Test func polyphonyBackendIsTheBackendOfASessionThatNamesNone() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try RunCommandTests.Workspace(server: server, session: Self.sessionNamingNoBackend)
        let result = try await CLIHarness.run(workspace.arguments + ["--quiet"], environment: ["POLYPHONY_BACKEND": "ollama"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(server.recordedRequests.map { $0.http.path } == ["/api/chat"])
    }

    @Test func theBackendsFilesDefaultIsTheBackendOfASessionThatNamesNone() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try RunCommandTests.Workspace(server: server, session: Self.sessionNamingNoBackend)
        try workspace.folder.write("backends.yaml", "default: anthropic\n" + server.backendsYAML())
        let result = try await CLIHarness.run(workspace.arguments + ["--quiet"], environment: ["POLYPHONY_BACKEND": ""])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(server.recordedRequests.map { $0.http.path } == ["/v1/messages"])
    }

    @Test func aSessionWithNoBackendAnywhereSaysHowToNameOne() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let workspace = try RunCommandTests.Workspace(server: server, session: Self.sessionNamingNoBackend)
        let result = try await CLIHarness.run(workspace.arguments + ["--quiet"], environment: ["POLYPHONY_BACKEND": ""])
        #expect(result.status == 65)
        #expect(result.stderr.contains("POLYPHONY_BACKEND"))
        #expect(!FileManager.default.fileExists(atPath: workspace.transcript))
    }
}

/// Personas are found from wherever the command runs.
@Suite struct PersonaLookupTests {
    @Test func aSessionRunFromAnotherFolderFindsThePersonasBesideItsFolder() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let project = try TemporaryFolder()
        try FileManager.default.copyItem(atPath: RunCommandTests.repository + "/personas", toPath: project.path + "/personas")
        let session = try project.write("sessions/s.yaml", RunCommandTests.sessionYAML(protocol: "solo", rounds: 1, participants: ["hci-mid"]))
        try project.write("backends.yaml", server.backendsYAML())
        let elsewhere = try TemporaryFolder()
        let result = try await CLIHarness.run(
            ["run", session, "--backends", project.path + "/backends.yaml", "--out", elsewhere.path + "/t.jsonl", "--quiet", "--no-cache"],
            currentDirectory: elsewhere.path, environment: ["POLYPHONY_PERSONAS": ""]
        )
        #expect(result.status == 0, "\(result.stderr)")
        #expect(server.requestCount == 1)
    }

    @Test func theInstalledLibraryIsFoundWhenNothingIsBesideTheSession() async throws {
        let server = try FakeLLMServer()
        defer { server.stop() }
        let folder = try TemporaryFolder()
        let session = try folder.write("s.yaml", RunCommandTests.sessionYAML(protocol: "solo", rounds: 1, participants: ["hci-mid"]))
        try folder.write("backends.yaml", server.backendsYAML())
        // The test binary is built inside the checkout, so the checkout's library is the installed one.
        let result = try await CLIHarness.run(
            ["run", session, "--backends", folder.path + "/backends.yaml", "--out", folder.path + "/t.jsonl", "--quiet", "--no-cache"],
            currentDirectory: folder.path, environment: ["POLYPHONY_PERSONAS": ""]
        )
        #expect(result.status == 0, "\(result.stderr)")
    }
}
