import PolyphonyCore

/// Named embedder factories the CLI chooses from with `--embedder NAME`.
///
/// Scoring registers `lexical`; other modules add theirs (a MiniLM model, a backends-file
/// embedder) with ``register(_:summary:make:)`` before parsing the choice.
public struct EmbedderRegistry: Sendable {
    /// One choice: its name, a one-line description for `--help`, and how to build it.
    public struct Entry: Sendable {
        public var name: String
        public var summary: String
        public var make: @Sendable () throws -> any Embedder
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    /// The registry with the built-in lexical embedder.
    public static var standard: EmbedderRegistry {
        var registry = EmbedderRegistry()
        registry.register("lexical", summary: "offline hashed word and character n-grams (lexical, not semantic), 384-d") {
            LexicalEmbedder()
        }
        return registry
    }

    /// Adds or replaces the choice called `name`.
    public mutating func register(_ name: String, summary: String, make: @escaping @Sendable () throws -> any Embedder) {
        entries.removeAll { $0.name == name }
        entries.append(Entry(name: name, summary: summary, make: make))
    }

    /// The names users may pass.
    public var names: [String] { entries.map(\.name) }

    /// Builds the embedder called `name`.
    /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` listing the known names when `name` is unknown.
    public func make(_ name: String) throws -> any Embedder {
        guard let entry = entries.first(where: { $0.name == name }) else {
            throw PolyphonyError.invalidInput("unknown embedder '\(name)'; choose one of: \(names.joined(separator: ", "))")
        }
        return try entry.make()
    }
}
