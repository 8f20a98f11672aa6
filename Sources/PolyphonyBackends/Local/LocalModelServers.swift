import Foundation
import PolyphonyCore

/// The managed local servers of one command: started on first use, shared by every agent
/// and embedder on the same entry, and stopped when the command's scope ends.
public actor LocalModelServers {
    /// What a `kind: local` entry shows as its base URL before its server is started.
    public static let placeholderURL = "http://127.0.0.1"

    private let environment: [String: String]
    private let threads: Int?
    private var starting: [String: Task<LocalModelServer, any Error>] = [:]
    private var started: [LocalModelServer] = []

    /// - Parameters:
    ///   - environment: Where the runtime is looked up (``LocalRuntime/locate(environment:)``).
    ///   - threads: CPU threads for every server, over each entry's `threads` (`--threads`).
    init(environment: [String: String], threads: Int? = nil) {
        self.environment = environment
        self.threads = threads
    }

    /// The base URL of the server for `config`, starting it if this is the first request.
    /// - Parameter purpose: Chat and embeddings are served by two servers of the same model.
    package func baseURL(for config: BackendConfiguration, purpose: LocalModelServer.Purpose = .chat) async throws -> String {
        let key = "\(config.name)#\(purpose.rawValue)"
        if let task = starting[key] {
            return try await task.value.baseURL
        }
        let environment = environment
        let threads = threads ?? config.threads ?? LocalModelServer.defaultThreads
        let task = Task {
            let runtime = try LocalRuntime.locate(environment: environment)
            return try await LocalModelServer.start(
                runtime: runtime, modelAlias: config.model, threads: threads, slots: config.maxConcurrency, purpose: purpose
            )
        }
        starting[key] = task
        do {
            let server = try await task.value
            started.append(server)
            return server.baseURL
        } catch {
            starting[key] = nil
            throw error
        }
    }

    /// `config` rewritten as the OpenAI-compatible entry of its running server, starting it
    /// if need be: what the local chat backend and embedder talk to.
    func openAIConfiguration(for config: BackendConfiguration, purpose: LocalModelServer.Purpose = .chat) async throws -> BackendConfiguration {
        var openAI = config
        openAI.kind = .openai
        openAI.baseURL = try await baseURL(for: config, purpose: purpose) + "/v1"
        if openAI.embeddingModel == nil { openAI.embeddingModel = config.model }
        return openAI
    }

    /// Throws when the local runtime is not installed, without starting anything: a session
    /// checks this before its first turn.
    /// - Throws: ``PolyphonyError`` saying how to install the runtime.
    nonisolated func checkRuntime() throws {
        _ = try LocalRuntime.locate(environment: environment)
    }

    /// ``LocalRuntime/modelIdentity`` of the model these servers run.
    /// - Throws: ``PolyphonyError`` saying how to install the runtime.
    nonisolated func modelIdentity() throws -> String {
        try LocalRuntime.locate(environment: environment).modelIdentity
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
/// - Parameters:
///   - environment: Where the runtime is looked up.
///   - threads: CPU threads for every server started, over the entries' `threads` (`--threads`).
public func withLocalModelServers<Result: Sendable>(
    environment: [String: String], threads: Int? = nil, _ body: (LocalModelServers) async throws -> Result
) async throws -> Result {
    let servers = LocalModelServers(environment: environment, threads: threads)
    do {
        let result = try await body(servers)
        await servers.stopAll()
        return result
    } catch {
        await servers.stopAll()
        throw error
    }
}
