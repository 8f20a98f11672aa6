import Foundation
import PolyphonyCore
import PolyphonyYAML

/// The backends file: named model-server entries, plus built-in entries for the common providers.
///
/// ```yaml
/// backends:
///   local-llama:
///     kind: openai                 # openai | anthropic | ollama | gemini | local
///     base_url: http://127.0.0.1:8080/v1
///     model: qwen2.5-7b-instruct
///     max_concurrency: 4
///   claude:
///     kind: anthropic
///     base_url: https://api.anthropic.com
///     model: claude-haiku-4-5
///     api_key_env: ANTHROPIC_API_KEY   # the variable's NAME; keys never go in files
/// ```
///
/// Entries in a file replace built-in entries of the same name.
public struct BackendsFile: Sendable, Equatable {
    /// The entries, built-ins first (unless replaced), then the file's in file order.
    public var entries: [BackendConfiguration]
    /// The file the entries came from, or `nil` when only built-ins are in use.
    public var path: String?
    /// The entry a session uses when it names none (the file's top-level `default:`).
    public var defaultBackend: String?

    /// Creates a file value from already-parsed entries.
    public init(entries: [BackendConfiguration], path: String?, defaultBackend: String? = nil) {
        self.entries = entries
        self.path = path
        self.defaultBackend = defaultBackend
    }

    /// The field names an entry may have.
    public static let fieldNames: Set<String> = [
        "kind", "base_url", "model", "embedding_model", "api_key_env", "max_concurrency", "requests_per_minute",
        "connect_timeout", "first_byte_timeout", "timeout", "max_attempts", "retry_base_delay", "threads",
    ]

    /// Finds and reads the backends file, merged over the built-in entries.
    ///
    /// Lookup order: `explicitPath` (must exist), then `./backends.yaml`, then
    /// `$XDG_CONFIG_HOME/polyphony/backends.yaml` (`~/.config` when unset); with none of
    /// them, the built-ins alone.
    /// - Throws: ``PolyphonyError`` naming the file and line of the first problem.
    public static func resolve(explicitPath: String?, environment: [String: String], currentDirectory: String = FileManager.default.currentDirectoryPath) throws -> BackendsFile {
        let builtIns = builtInEntries(environment: environment)
        guard let path = try locate(explicitPath: explicitPath, environment: environment, currentDirectory: currentDirectory) else {
            return BackendsFile(entries: builtIns, path: nil)
        }
        let file = try load(path: path)
        let overridden = Set(file.entries.map(\.name))
        return BackendsFile(entries: builtIns.filter { !overridden.contains($0.name) } + file.entries, path: path, defaultBackend: file.defaultBackend)
    }

    /// The path `resolve` would read, or `nil` when no file exists at the default places.
    /// - Throws: ``PolyphonyError/io(_:file:)`` when `explicitPath` does not exist.
    public static func locate(explicitPath: String?, environment: [String: String], currentDirectory: String) throws -> String? {
        let files = FileManager.default
        if let explicitPath {
            guard files.fileExists(atPath: explicitPath) else { throw PolyphonyError.io("no such backends file", file: explicitPath) }
            return explicitPath
        }
        let local = (currentDirectory as NSString).appendingPathComponent("backends.yaml")
        if files.fileExists(atPath: local) { return local }
        let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["HOME"].map { ($0 as NSString).appendingPathComponent(".config") }
        if let configHome {
            let user = (configHome as NSString).appendingPathComponent("polyphony/backends.yaml")
            if files.fileExists(atPath: user) { return user }
        }
        return nil
    }

    /// Reads one backends file (without built-ins).
    /// - Throws: ``PolyphonyError`` naming the file and line of the first problem.
    public static func load(path: String) throws -> BackendsFile {
        try parse(try TextFile.read(path), file: path)
    }

    /// Parses backends-file YAML.
    /// - Parameter file: The name errors report.
    /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` with the line of the first problem.
    public static func parse(_ yaml: String, file: String) throws -> BackendsFile {
        guard let root = try YAMLDocument.parse(yaml, file: file) else { return BackendsFile(entries: [], path: file) }
        guard let top = root.mapping else {
            throw root.error("the top level must be a mapping with a backends: key")
        }
        var backendsNode: YAMLNode?
        var defaultBackend: String?
        for (key, value) in top.entries.map({ ($0.key, $0.value) }) {
            switch key.text {
            case "backends":
                backendsNode = value
            case "default":
                guard let name = value.text, !name.isEmpty else {
                    throw value.error("default: must name a backend entry")
                }
                defaultBackend = name
            default:
                throw key.error("unknown top-level key \"\(key.text ?? "?")\"; expected backends: (and optionally default:)")
            }
        }
        guard let backendsNode else {
            throw root.error("missing backends: mapping")
        }
        if let text = backendsNode.text, text.isEmpty || text == "~" || text == "null" {
            return BackendsFile(entries: [], path: file, defaultBackend: defaultBackend)
        }
        guard let mapping = backendsNode.mapping else {
            throw backendsNode.error("backends: must map entry names to settings")
        }
        var entries: [BackendConfiguration] = []
        for (key, value) in mapping.entries.map({ ($0.key, $0.value) }) {
            guard let name = key.text, !name.isEmpty else {
                throw key.error("a backend name must be a non-empty string")
            }
            entries.append(try entry(named: name, node: value))
        }
        return BackendsFile(entries: entries, path: file, defaultBackend: defaultBackend)
    }

    /// The entry called `name`.
    /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` listing the known names.
    public func entry(named name: String) throws -> BackendConfiguration {
        guard let entry = entries.first(where: { $0.name == name }) else {
            let known = entries.map(\.name).joined(separator: ", ")
            throw PolyphonyError.invalidInput("no backend named \"\(name)\" (known: \(known))", file: path)
        }
        return entry
    }

    /// The models the built-in entries ask for, in one place; `backends list` shows them and
    /// a backends-file entry of the same name replaces them.
    public enum DefaultModel {
        public static let openai = "gpt-5-mini"
        public static let openaiEmbedding = "text-embedding-3-small"
        public static let anthropic = "claude-haiku-4-5"
        public static let gemini = "gemini-2.5-flash"
        public static let ollama = "llama3.2"
        public static let ollamaEmbedding = "nomic-embed-text"
        public static let local = "smollm2-135m-instruct"
    }

    /// Entries for the common providers, so a fresh install works with just a key exported.
    ///
    /// They follow the variables the providers' own SDKs read: `OPENAI_BASE_URL` (or the
    /// older `OPENAI_API_BASE`) moves the OpenAI entry, `ANTHROPIC_BASE_URL` the Anthropic
    /// one, and `OLLAMA_HOST` (with or without a scheme) the Ollama one.
    public static func builtInEntries(environment: [String: String]) -> [BackendConfiguration] {
        func variable(_ names: String...) -> String? {
            for name in names {
                if let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty { return value }
            }
            return nil
        }
        func trimmed(_ url: String) -> String {
            var url = url
            while url.hasSuffix("/") { url.removeLast() }
            return url
        }
        var ollama = variable("OLLAMA_HOST") ?? "http://127.0.0.1:11434"
        if !ollama.contains("://") { ollama = "http://" + ollama }
        return [
            BackendConfiguration(
                name: "openai", kind: .openai, baseURL: trimmed(variable("OPENAI_BASE_URL", "OPENAI_API_BASE") ?? "https://api.openai.com/v1"),
                model: DefaultModel.openai, embeddingModel: DefaultModel.openaiEmbedding, apiKeyEnvironmentVariable: "OPENAI_API_KEY",
                maxConcurrency: 8
            ),
            BackendConfiguration(
                name: "anthropic", kind: .anthropic, baseURL: trimmed(variable("ANTHROPIC_BASE_URL") ?? "https://api.anthropic.com"),
                model: DefaultModel.anthropic, apiKeyEnvironmentVariable: "ANTHROPIC_API_KEY", maxConcurrency: 4
            ),
            BackendConfiguration(
                name: "gemini", kind: .gemini, baseURL: "https://generativelanguage.googleapis.com/v1beta",
                model: DefaultModel.gemini, apiKeyEnvironmentVariable: "GEMINI_API_KEY", maxConcurrency: 4
            ),
            BackendConfiguration(
                name: "ollama", kind: .ollama, baseURL: trimmed(ollama), model: DefaultModel.ollama, embeddingModel: DefaultModel.ollamaEmbedding,
                maxConcurrency: 2, firstByteTimeoutSeconds: 300
            ),
            // SmolLM2-135M-Instruct on a llama-server Polyphony starts itself
            // (`bash scripts/install-local-runtime.sh` builds it): four slots decode together.
            BackendConfiguration(
                name: "local", kind: .local, baseURL: LocalModelServers.placeholderURL, model: DefaultModel.local,
                embeddingModel: DefaultModel.local, maxConcurrency: LocalModelServer.defaultSlots, firstByteTimeoutSeconds: 600, totalTimeoutSeconds: 1200
            ),
        ]
    }

    private static func entry(named name: String, node: YAMLNode) throws -> BackendConfiguration {
        guard let mapping = node.mapping else {
            throw node.error("backend \"\(name)\" must be a mapping of settings")
        }
        var fields: [String: YAMLNode] = [:]
        for (key, value) in mapping.entries.map({ ($0.key, $0.value) }) {
            guard let field = key.text, fieldNames.contains(field) else {
                let known = fieldNames.sorted().joined(separator: ", ")
                throw key.error("backend \"\(name)\": unknown field \"\(key.text ?? "?")\" (known: \(known))")
            }
            fields[field] = value
        }
        func string(_ field: String) throws -> String? {
            guard let value = fields[field] else { return nil }
            guard let text = value.text, !text.isEmpty else {
                throw value.error("backend \"\(name)\": \(field) must be a non-empty string")
            }
            return text
        }
        func required(_ field: String) throws -> String {
            guard let value = try string(field) else {
                throw node.error("backend \"\(name)\": missing \(field)")
            }
            return value
        }
        func positiveInt(_ field: String) throws -> Int? {
            guard let value = fields[field] else { return nil }
            guard let number = value.scalar?.int, number > 0 else {
                throw value.error("backend \"\(name)\": \(field) must be a positive whole number")
            }
            return number
        }
        func seconds(_ field: String, allowZero: Bool = false) throws -> Double? {
            guard let value = fields[field] else { return nil }
            guard let number = value.scalar?.double, number.isFinite, allowZero ? number >= 0 : number > 0 else {
                throw value.error("backend \"\(name)\": \(field) must be a \(allowZero ? "non-negative" : "positive") number of seconds")
            }
            return number
        }

        let kindText = try required("kind")
        guard let kind = BackendConfiguration.Kind(rawValue: kindText) else {
            let kinds = BackendConfiguration.Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw PolyphonyError.invalidInput("backend \"\(name)\": unknown kind \"\(kindText)\" (expected one of \(kinds))", file: fields["kind"]?.file, line: fields["kind"]?.line)
        }
        // A local entry's server is started by Polyphony on a free port: it has no base_url.
        let baseURL = kind == .local ? (try string("base_url") ?? LocalModelServers.placeholderURL) : try required("base_url")
        // Checked here, not when the first request is built hours into an experiment.
        if let port = writtenPort(baseURL), port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber), !(Int(port).map { (1...65535).contains($0) } ?? false) {
            throw PolyphonyError.invalidInput("backend \"\(name)\": base_url port \(port) is outside 1–65535", file: fields["base_url"]?.file, line: fields["base_url"]?.line)
        }
        guard let url = URL(string: baseURL), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw PolyphonyError.invalidInput("backend \"\(name)\": base_url must be an http(s) URL, got \(baseURL)", file: fields["base_url"]?.file, line: fields["base_url"]?.line)
        }
        let keyVariable = try string("api_key_env")
        if let keyVariable, keyVariable.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) == nil {
            // A value that is not a variable name is most likely a pasted key: never echo it.
            throw PolyphonyError.invalidInput(
                "backend \"\(name)\": api_key_env must be the NAME of an environment variable (like OPENAI_API_KEY), not a key",
                file: fields["api_key_env"]?.file, line: fields["api_key_env"]?.line
            )
        }
        let threads = try positiveInt("threads")
        if threads != nil, kind != .local {
            throw PolyphonyError.invalidInput(
                "backend \"\(name)\": threads applies only to kind local (a server Polyphony starts)",
                file: fields["threads"]?.file, line: fields["threads"]?.line
            )
        }
        let defaults = BackendConfiguration(name: name, kind: kind, baseURL: baseURL, model: "", maxConcurrency: kind == .local ? LocalModelServer.defaultSlots : 4)
        return BackendConfiguration(
            name: name, kind: kind, baseURL: baseURL, model: try required("model"),
            embeddingModel: try string("embedding_model"), apiKeyEnvironmentVariable: keyVariable,
            maxConcurrency: try positiveInt("max_concurrency") ?? defaults.maxConcurrency,
            requestsPerMinute: try positiveInt("requests_per_minute"),
            connectTimeoutSeconds: try seconds("connect_timeout") ?? defaults.connectTimeoutSeconds,
            firstByteTimeoutSeconds: try seconds("first_byte_timeout") ?? defaults.firstByteTimeoutSeconds,
            totalTimeoutSeconds: try seconds("timeout") ?? defaults.totalTimeoutSeconds,
            maxAttempts: try positiveInt("max_attempts") ?? defaults.maxAttempts,
            retryBaseDelaySeconds: try seconds("retry_base_delay", allowZero: true) ?? defaults.retryBaseDelaySeconds,
            threads: threads
        )
    }

    /// The port as written in `url`'s authority (`http://h:PORT/…`), before any URL parser
    /// accepts, wraps or rejects it.
    static func writtenPort(_ url: String) -> Substring? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let authority = url[schemeEnd.upperBound...].prefix { !"/?#".contains($0) }
        guard let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") else { return nil }
        let port = authority[authority.index(after: colon)...]
        return port.isEmpty ? nil : port
    }
}
