import Foundation
import Logging
import PolyphonyCore

/// Makes the chat backend for a backends-file entry: the dialect's HTTP client, wrapped in
/// the response cache when a cache directory is given.
///
/// Call this once per entry and share the result between every agent that uses the entry,
/// so they share one rate limiter and one connection pool.
/// - Parameters:
///   - config: The entry.
///   - environment: Where `api_key_env` is looked up (usually `ProcessInfo.processInfo.environment`).
///   - cacheDirectory: The response cache's directory, or `nil` for no cache (`--no-cache`).
///   - logger: Receives retries, backoff, waits for a slot and cache hits; logs nothing by default.
/// - Throws: ``PolyphonyError`` when the key variable is unset, the kind is `local`, or the URL is bad.
public func makeBackend(
    _ config: BackendConfiguration, environment: [String: String], cacheDirectory: String?,
    logger: Logger = .disabled
) throws -> any ChatBackend {
    try makeBackend(config, environment: environment, cacheDirectory: cacheDirectory, limiter: nil, logger: logger)
}

func makeBackend(
    _ config: BackendConfiguration, environment: [String: String], cacheDirectory: String?, limiter: RateLimiter?, logger: Logger
) throws -> any ChatBackend {
    try validate(config)
    let backend = try HTTPChatBackend(configuration: config, apiKey: try apiKey(for: config, environment: environment), limiter: limiter, logger: logger)
    guard let cacheDirectory else { return backend }
    return CachingChatBackend(base: backend, kind: config.kind, cache: ResponseCache(directory: cacheDirectory), logger: logger)
}

/// Makes the embedder for an entry with an `embedding_model` (kinds `openai` and `ollama`).
/// - Parameter logger: Receives retries, backoff and waits for a slot; logs nothing by default.
/// - Throws: ``PolyphonyError`` when the entry cannot embed or its key variable is unset.
public func makeEmbedder(
    _ config: BackendConfiguration, environment: [String: String], logger: Logger = .disabled
) throws -> any Embedder {
    try makeEmbedder(config, environment: environment, limiter: nil, logger: logger)
}

func makeEmbedder(_ config: BackendConfiguration, environment: [String: String], limiter: RateLimiter?, logger: Logger) throws -> any Embedder {
    try validate(config)
    return try HTTPEmbedder(configuration: config, apiKey: try apiKey(for: config, environment: environment), limiter: limiter, logger: logger)
}

/// The API key of an entry, read from the environment variable it names.
/// - Returns: `nil` when the entry names no variable (local servers).
/// - Throws: ``PolyphonyError`` when the variable is named but unset or empty. The message
///   names the variable, never a value.
public func apiKey(for config: BackendConfiguration, environment: [String: String]) throws -> String? {
    guard let variable = config.apiKeyEnvironmentVariable, !variable.isEmpty else { return nil }
    guard let value = environment[variable], !value.trimmingCharacters(in: .whitespaces).isEmpty else {
        throw PolyphonyError.backend("environment variable \(variable) is not set; export it or change api_key_env", backend: config.name)
    }
    return value.trimmingCharacters(in: .whitespacesAndNewlines)
}

private func validate(_ config: BackendConfiguration) throws {
    if config.kind == .local {
        _ = try HTTPChatBackend.dialect(for: config)
    }
    guard let url = URL(string: config.baseURL), url.scheme == "http" || url.scheme == "https", url.host != nil else {
        throw PolyphonyError.invalidInput("backend \(config.name): base_url must be an http(s) URL, got \(config.baseURL)")
    }
}
