import Foundation
import PolyphonyCore
import PolyphonyYAML

/// Reads session files (YAML). Every error names the file and line.
public struct SessionLoader: Sendable {
    static let allowedKeys = [
        "topic", "protocol", "rounds", "participants", "leader", "synthesizer", "critics", "seed",
        "backend", "limits", "human", "output", "structured_output",
    ]
    static let seatKeys = ["persona", "backend", "model", "temperature"]
    static let limitKeys = ["max_tokens_per_turn", "token_budget", "ideas_per_turn"]
    static let humanKeys = ["timeout_seconds"]

    public init() {}

    /// Parses the session file at `file`.
    /// - Throws: ``PolyphonyError`` naming the file and line of the first problem.
    public func load(file: String) throws -> SessionSpec {
        try parse(try TextFile.read(file), file: file)
    }

    /// Parses session YAML; `file` is used in errors and to resolve relative paths.
    public func parse(_ text: String, file: String) throws -> SessionSpec {
        try parse(fields: try YAMLDocument.parseMapping(text, file: file), topic: nil)
    }

    /// Parses a session template embedded in a larger YAML file, such as a condition of an
    /// experiment grid: the caller supplies the topic, and errors name the lines of `file`.
    /// - Parameters:
    ///   - fields: The template: session fields without `topic` (and without `output`), with
    ///     the lines of the file they were read from.
    ///   - topic: The brief this instance of the template ideates on.
    /// - Throws: ``PolyphonyError`` naming the file and line of the first problem.
    package func parse(template fields: YAMLMapping, topic: String) throws -> SessionSpec {
        try fields.rejectUnknownKeys(allowed: Self.allowedKeys.filter { $0 != "topic" && $0 != "output" })
        return try parse(fields: fields, topic: topic)
    }

    private func parse(fields: YAMLMapping, topic given: String?) throws -> SessionSpec {
        let file = fields.file
        try fields.rejectUnknownKeys(allowed: Self.allowedKeys)
        let topic = try (given ?? fields.requiredString("topic")).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !topic.isEmpty else {
            throw PolyphonyError.invalidInput("field 'topic' is empty: write the brief the group ideates on", file: file, line: fields.line(of: "topic"))
        }
        let protocolName = try fields.requiredString("protocol")
        guard IdeationProtocols.names.contains(protocolName) else {
            throw PolyphonyError.invalidInput("field 'protocol' has unknown value '\(protocolName)' (allowed: \(IdeationProtocols.names.joined(separator: ", ")))", file: file, line: fields.line(of: "protocol"))
        }
        let rounds = try fields.optionalInt("rounds", in: 1...1000) ?? 1
        guard let participantNodes = try fields.optionalSequence("participants"), !participantNodes.isEmpty else {
            throw PolyphonyError.invalidInput("missing field 'participants': list at least one persona", file: file, line: fields.line(of: "participants"))
        }
        let participants = try participantNodes.map { try seat($0, fields: fields, key: "participants") }
        let critics = try (fields.optionalSequence("critics") ?? []).map { try seat($0, fields: fields, key: "critics") }
        var spec = SessionSpec(
            file: file, topic: topic, protocolName: protocolName, rounds: rounds, participants: participants,
            leader: try fields.value("leader").map { try seat($0, fields: fields, key: "leader") },
            synthesizer: try fields.value("synthesizer").map { try seat($0, fields: fields, key: "synthesizer") },
            critics: critics,
            seed: try fields.optionalUInt64("seed"),
            defaultBackend: try fields.optionalString("backend"),
            output: try fields.optionalString("output")
        )
        spec.protocolLine = fields.line(of: "protocol")
        spec.structuredOutput = try fields.optionalBool("structured_output") ?? false
        if let limits = try fields.optionalMapping("limits") {
            try limits.rejectUnknownKeys(allowed: Self.limitKeys)
            spec.maxTokensPerTurn = try limits.optionalInt("max_tokens_per_turn", in: 1...1_000_000)
            spec.tokenBudget = try limits.optionalInt("token_budget", in: 1...Int.max)
            spec.ideasPerTurn = try limits.optionalInt("ideas_per_turn", in: 1...50) ?? spec.ideasPerTurn
        }
        if let human = try fields.optionalMapping("human") {
            try human.rejectUnknownKeys(allowed: Self.humanKeys)
            spec.humanTimeoutSeconds = try human.optionalDouble("timeout_seconds", in: 0...86_400)
        }
        return spec
    }

    /// A seat is either a persona id (`- ada`) or a mapping (`- persona: ada\n  backend: local`).
    private func seat(_ node: YAMLNode, fields: YAMLMapping, key: String) throws -> SessionSpec.Seat {
        let line = node.line
        if let persona = node.text {
            return SessionSpec.Seat(persona: persona, line: line)
        }
        let mapping = try YAMLMapping(node, what: "an entry of '\(key)'")
        try mapping.rejectUnknownKeys(allowed: Self.seatKeys)
        return SessionSpec.Seat(
            persona: try mapping.requiredString("persona"),
            backend: try mapping.optionalString("backend"),
            model: try mapping.optionalString("model"),
            temperature: try mapping.optionalDouble("temperature", in: 0...2),
            line: line
        )
    }
}
