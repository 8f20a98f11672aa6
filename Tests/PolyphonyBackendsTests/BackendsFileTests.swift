import Foundation
import PolyphonyBackends
import PolyphonyCore
import Testing

/// Reading backends.yaml: fields, one-line errors with file and line, lookup order, built-ins.
@Suite struct BackendsFileTests {
    @Test func readsEveryField() throws {
        let yaml = """
            backends:
              local:
                kind: openai
                base_url: http://127.0.0.1:8080/v1
                model: qwen
                embedding_model: nomic
                api_key_env: LOCAL_KEY
                max_concurrency: 3
                requests_per_minute: 120
                connect_timeout: 2
                first_byte_timeout: 30.5
                timeout: 90
                max_attempts: 4
                retry_base_delay: 0.25
            """
        let file = try BackendsFile.parse(yaml, file: "b.yaml")
        let entry = try file.entry(named: "local")
        #expect(entry == BackendConfiguration(
            name: "local", kind: .openai, baseURL: "http://127.0.0.1:8080/v1", model: "qwen", embeddingModel: "nomic",
            apiKeyEnvironmentVariable: "LOCAL_KEY", maxConcurrency: 3, requestsPerMinute: 120, connectTimeoutSeconds: 2,
            firstByteTimeoutSeconds: 30.5, totalTimeoutSeconds: 90, maxAttempts: 4, retryBaseDelaySeconds: 0.25
        ))
    }

    @Test func appliesDefaultsToOmittedFields() throws {
        let file = try BackendsFile.parse("backends:\n  o:\n    kind: ollama\n    base_url: http://h:11434\n    model: llama3\n", file: "b.yaml")
        let entry = try file.entry(named: "o")
        let defaults = BackendConfiguration(name: "o", kind: .ollama, baseURL: "http://h:11434", model: "llama3")
        #expect(entry == defaults)
    }

    @Test(arguments: [
        ("backends:\n  a:\n    kind: openia\n    base_url: http://h\n    model: m\n", 3),
        ("backends:\n  a:\n    kind: openai\n    model: m\n", 3),
        ("backends:\n  a:\n    kind: openai\n    base_url: http://h\n    model: m\n    max_concurrency: 0\n", 6),
        ("backends:\n  a:\n    kind: openai\n    base_url: http://h\n    model: m\n    timeout: soon\n", 6),
        ("backends:\n  a:\n    kind: openai\n    base_url: ftp://h\n    model: m\n", 4),
        ("models:\n  a: {}\n", 1),
        ("backends:\n  a: [1, 2\n", 3),
        ("backends:\n  a:\n    kind: openai\n    base_url: http://h\n    model: m\n    model: n\n", 6),
        ("backends:\n  a:\n    kind: openai\n    base_url: http://h:70000/v1\n    model: m\n", 4),
        ("backends:\n  a:\n    kind: ollama\n    base_url: http://h:0\n    model: m\n", 4),
        ("backends:\n  a:\n    kind: openai\n    base_url: http://h\n    model: m\n    colour: red\n", 6),
        ("backends:\n  a:\n    kind: openai\n    base_url: http://h\n    model: m\u{7}\n", 5),
        ("backends:\n  a: fast\n", 2),
        ("backends:\n  a:\n    kind: local\n    model: m\n    threads: 0\n", 5),
        ("backends:\n  a:\n    kind: openai\n    base_url: http://h\n    model: m\n    threads: 2\n", 6),
    ])
    func reportsProblemsAsOneLineWithFileAndLine(yaml: String, line: Int) {
        let error = #expect(throws: PolyphonyError.invalidInput) { try BackendsFile.parse(yaml, file: "b.yaml") }
        #expect(error?.file == "b.yaml")
        #expect(error?.line == line)
        #expect(error?.description.hasPrefix("b.yaml:\(line): ") == true)
        #expect(error?.description.contains("\n") == false)
    }

    @Test func aLocalEntryReadsThreadsAndDefaultsToFourSlots() throws {
        let file = try BackendsFile.parse("backends:\n  tiny:\n    kind: local\n    model: m\n    threads: 2\n", file: "b.yaml")
        let entry = try file.entry(named: "tiny")
        #expect(entry.threads == 2)
        #expect(entry.maxConcurrency == LocalModelServer.defaultSlots)
        let builtIn = try BackendsFile.resolve(explicitPath: nil, environment: ["HOME": "/nonexistent"], currentDirectory: "/nonexistent")
        #expect(try builtIn.entry(named: "local").maxConcurrency == 4)
    }

    @Test func rejectsAnUnknownFieldNamingTheKnownOnes() {
        let yaml = "backends:\n  a:\n    kind: openai\n    base_url: http://h\n    model: m\n    api_key: x\n"
        let error = #expect(throws: PolyphonyError.invalidInput) { try BackendsFile.parse(yaml, file: "b.yaml") }
        #expect(error?.file == "b.yaml" && error?.line == 6)
        #expect(error?.message.contains("api_key_env") == true)
    }

    @Test func refusesAPastedKeyInApiKeyEnvWithoutEchoingIt() {
        let yaml = "backends:\n  a:\n    kind: openai\n    base_url: http://h\n    model: m\n    api_key_env: sk-live-abc123/xyz\n"
        let error = #expect(throws: PolyphonyError.invalidInput) { try BackendsFile.parse(yaml, file: "b.yaml") }
        #expect(error?.file == "b.yaml" && error?.line == 6)
        #expect(error?.description.contains("sk-live") == false)
    }

    @Test func builtInsReadTheirKeysAndOllamaHostFromTheEnvironment() throws {
        let file = try BackendsFile.resolve(explicitPath: nil, environment: ["OLLAMA_HOST": "10.0.0.5:11434", "HOME": "/nonexistent"], currentDirectory: "/nonexistent")
        #expect(file.path == nil)
        #expect(file.entries.map(\.name) == ["openai", "anthropic", "gemini", "ollama", "local"])
        #expect(try file.entry(named: "openai").apiKeyEnvironmentVariable == "OPENAI_API_KEY")
        #expect(try file.entry(named: "anthropic").apiKeyEnvironmentVariable == "ANTHROPIC_API_KEY")
        #expect(try file.entry(named: "gemini").apiKeyEnvironmentVariable == "GEMINI_API_KEY")
        #expect(try file.entry(named: "ollama").baseURL == "http://10.0.0.5:11434")
    }

    @Test func builtInsFollowTheProvidersBaseURLVariablesAsTheirSDKsDo() throws {
        let environment = [
            "OPENAI_BASE_URL": "http://127.0.0.1:9999/v1/", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9998", "HOME": "/nonexistent",
        ]
        let file = try BackendsFile.resolve(explicitPath: nil, environment: environment, currentDirectory: "/nonexistent")
        #expect(try file.entry(named: "openai").baseURL == "http://127.0.0.1:9999/v1")
        #expect(try file.entry(named: "anthropic").baseURL == "http://127.0.0.1:9998")
        let older = try BackendsFile.resolve(explicitPath: nil, environment: ["OPENAI_API_BASE": "http://10.1.1.1/v1"], currentDirectory: "/nonexistent")
        #expect(try older.entry(named: "openai").baseURL == "http://10.1.1.1/v1")
        let both = BackendsFile.builtInEntries(environment: ["OPENAI_BASE_URL": "http://new/v1", "OPENAI_API_BASE": "http://old/v1"])
        #expect(both.first { $0.name == "openai" }?.baseURL == "http://new/v1")
    }

    @Test func looksUpExplicitThenWorkingDirectoryThenXDGConfigHome() throws {
        let root = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let work = root + "/work"
        let xdg = root + "/xdg"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: xdg + "/polyphony", withIntermediateDirectories: true)
        func write(_ path: String, model: String) throws {
            try "backends:\n  mine:\n    kind: ollama\n    base_url: http://h\n    model: \(model)\n".write(toFile: path, atomically: true, encoding: .utf8)
        }
        let environment = ["XDG_CONFIG_HOME": xdg]
        try write(xdg + "/polyphony/backends.yaml", model: "from-xdg")
        #expect(try BackendsFile.resolve(explicitPath: nil, environment: environment, currentDirectory: work).entry(named: "mine").model == "from-xdg")
        try write(work + "/backends.yaml", model: "from-cwd")
        #expect(try BackendsFile.resolve(explicitPath: nil, environment: environment, currentDirectory: work).entry(named: "mine").model == "from-cwd")
        try write(root + "/explicit.yaml", model: "from-flag")
        let explicit = try BackendsFile.resolve(explicitPath: root + "/explicit.yaml", environment: environment, currentDirectory: work)
        #expect(try explicit.entry(named: "mine").model == "from-flag")
        #expect(explicit.entries.contains { $0.name == "openai" })
        let missing = #expect(throws: PolyphonyError.io) {
            try BackendsFile.resolve(explicitPath: root + "/nope.yaml", environment: environment, currentDirectory: work)
        }
        #expect(missing?.file == "\(root)/nope.yaml")
    }

    @Test func fileEntriesReplaceBuiltInsOfTheSameName() throws {
        let root = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "backends:\n  openai:\n    kind: openai\n    base_url: http://127.0.0.1:9/v1\n    model: tiny\n".write(toFile: root + "/backends.yaml", atomically: true, encoding: .utf8)
        let file = try BackendsFile.resolve(explicitPath: nil, environment: [:], currentDirectory: root)
        #expect(file.entries.filter { $0.name == "openai" }.count == 1)
        #expect(try file.entry(named: "openai").model == "tiny")
    }

    @Test func theShippedExampleParses() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("backends.example.yaml").path
        let file = try BackendsFile.load(path: example)
        #expect(file.entries.count >= 4)
        #expect(Set(file.entries.map(\.kind)).isSuperset(of: [.openai, .anthropic, .ollama, .gemini]))
    }

    @Test func anUnsetKeyVariableIsAClearError() {
        let config = BackendConfiguration(name: "paid", kind: .openai, baseURL: "https://api.openai.com/v1", model: "m", apiKeyEnvironmentVariable: "PAID_KEY")
        let error = #expect(throws: PolyphonyError.backend) { try makeBackend(config, environment: [:], cacheDirectory: nil) }
        #expect(error?.backend == "paid" && error?.status == nil && error?.isRetryable == false)
    }

    @Test func kindLocalIsRefusedWithAClearError() {
        let config = BackendConfiguration(name: "llama", kind: .local, baseURL: "http://127.0.0.1:8080", model: "m")
        #expect(throws: PolyphonyError.invalidInput) { try makeBackend(config, environment: [:], cacheDirectory: nil) }
    }
}
