import Foundation
import PolyphonyCore

/// The managed local servers of one command: started on first use, shared by every agent
/// and embedder on the same entry, and stopped when the command's scope ends.
public actor LocalModelServers {
    /// What a `kind: local` entry shows as its base URL before its server is started.
    public static let placeholderURL = "http://127.0.0.1"

    private let environment: [String: String]
    private var starting: [String: Task<LocalModelServer, any Error>] = [:]
    private var started: [LocalModelServer] = []

    init(environment: [String: String]) {
        self.environment = environment
    }

    /// The base URL of the server for `config`, starting it if this is the first request.
    public func baseURL(for config: BackendConfiguration) async throws -> String {
        if let task = starting[config.name] {
            return try await task.value.baseURL
        }
        let environment = environment
        let task = Task {
            let runtime = try LocalRuntime.locate(environment: environment)
            return try await LocalModelServer.start(runtime: runtime, modelAlias: config.model)
        }
        starting[config.name] = task
        do {
            let server = try await task.value
            started.append(server)
            return server.baseURL
        } catch {
            starting[config.name] = nil
            throw error
        }
    }

    /// `config` rewritten as the OpenAI-compatible entry of its running server, starting it
    /// if need be: what the local chat backend and embedder both talk to.
    func openAIConfiguration(for config: BackendConfiguration) async throws -> BackendConfiguration {
        var openAI = config
        openAI.kind = .openai
        openAI.baseURL = try await baseURL(for: config) + "/v1"
        if openAI.embeddingModel == nil { openAI.embeddingModel = config.model }
        return openAI
    }

    /// Throws when the local runtime is not installed, without starting anything: a session
    /// checks this before its first turn.
    /// - Throws: ``PolyphonyError`` saying how to install the runtime.
    nonisolated func checkRuntime() throws {
        _ = try LocalRuntime.locate(environment: environment)
    }

    /// The servers running now.
    package var running: [LocalModelServer] { started.filter(\.isRunning) }

    func stopAll() async {
        for task in starting.values { task.cancel() }
        for task in starting.values {
            if let server = try? await task.value, !started.contains(where: { $0 === server }) { server.stop() }
        }
        for server in started { server.stop() }
        started.removeAll()
        starting.removeAll()
    }
}

/// Runs `body` with a set of managed local servers and stops every one of them afterwards,
/// on success, on error and on cancellation.
public func withLocalModelServers<Result: Sendable>(
    environment: [String: String], _ body: (LocalModelServers) async throws -> Result
) async throws -> Result {
    let servers = LocalModelServers(environment: environment)
    do {
        let result = try await body(servers)
        await servers.stopAll()
        return result
    } catch {
        await servers.stopAll()
        throw error
    }
}
