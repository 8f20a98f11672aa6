import Logging
import PolyphonyCore

/// Checks that configured backends answer: one tiny chat request to each, and one embedding
/// request where an embedding model is configured (`polyphony backends check`).
package struct BackendProbe: Sendable {
    private let set: BackendSet
    private let environment: [String: String]
    private let logger: Logger

    /// - Parameters:
    ///   - set: Makes `kind: local` backends, whose managed servers it owns; give it the
    ///     servers of ``withLocalModelServers(environment:_:)`` so a local entry is checked for real.
    ///   - environment: Where `api_key_env` variables are read.
    ///   - logger: Where the probes' retries and failed attempts are logged.
    package init(
        set: BackendSet, environment: [String: String],
        logger: Logger = .disabled
    ) {
        self.set = set
        self.environment = environment
        self.logger = logger
    }

    /// Checks every entry at once.
    /// - Returns: One result per entry, in the order given.
    package func check(_ entries: [BackendConfiguration]) async -> [BackendCheckResult] {
        await withTaskGroup(of: (Int, BackendCheckResult).self) { group in
            for (index, entry) in entries.enumerated() {
                group.addTask { (index, await check(entry)) }
            }
            var results = [BackendCheckResult?](repeating: nil, count: entries.count)
            for await (index, result) in group { results[index] = result }
            return results.compactMap { $0 }
        }
    }

    /// Checks one entry; a failure is recorded in the result, never thrown.
    package func check(_ entry: BackendConfiguration) async -> BackendCheckResult {
        var result = BackendCheckResult(name: entry.name)
        var config = entry
        // A check should answer quickly: one retry at most.
        config.maxAttempts = min(config.maxAttempts, 2)
        do {
            let backend = config.kind == .local ? try set.backend(named: config.name) : try makeBackend(config, environment: environment, cacheDirectory: nil, logger: logger)
            let request = ChatRequest(messages: [.user("Reply with the single word: ok")], temperature: 0, maxTokens: 16, seed: 1)
            let response = try await backend.complete(request)
            result.chat = .init(latencyMs: response.latencyMilliseconds, model: response.model, text: response.text)
        } catch {
            result.errors.append("chat: \(error)")
        }
        if config.embeddingModel != nil, [.openai, .ollama, .local].contains(config.kind) {
            do {
                let embedder = config.kind == .local ? try set.embedder(named: config.name) : try makeEmbedder(config, environment: environment, logger: logger)
                let clock = ContinuousClock()
                let start = clock.now
                let vectors = try await embedder.embed(["polyphony backend check"])
                let elapsed = clock.now - start
                result.embedding = .init(
                    latencyMs: Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) * 1e-15,
                    dimensions: vectors.first?.count ?? 0
                )
            } catch {
                result.errors.append("embedding: \(error)")
            }
        }
        result.ok = result.errors.isEmpty
        return result
    }
}

/// What ``BackendProbe`` found for one backend; an element of `backends check --json`
/// (schema `polyphony.backends-check/1`).
package struct BackendCheckResult: Encodable, Sendable {
    /// The chat request's answer.
    package struct Chat: Encodable, Sendable {
        package var latencyMs: Double
        /// The model the server says answered.
        package var model: String?
        package var text: String
    }

    /// The embedding request's answer.
    package struct Embedding: Encodable, Sendable {
        package var latencyMs: Double
        package var dimensions: Int
    }

    /// The backends-file entry.
    package var name: String
    /// Every request that was tried succeeded.
    package var ok = false
    package var chat: Chat?
    package var embedding: Embedding?
    /// One line per failed request, prefixed `chat:` or `embedding:`.
    package var errors: [String] = []
}
