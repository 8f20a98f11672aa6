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
}
