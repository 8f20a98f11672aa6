import PolyphonyCore

/// A session file, parsed and checked but not yet bound to personas and backends.
public struct SessionSpec: Sendable, Equatable {
    /// One seat at the table: which persona, on which backend.
    public struct Seat: Sendable, Equatable {
        /// A persona id from the library, or a path to a persona file.
        public var persona: String
        /// A backends-file entry; falls back to the persona's, then the session's default.
        public var backend: String?
        public var model: String?
        public var temperature: Double?
        /// The line of the seat in the session file, for errors found later.
        public var line: Int

        public init(persona: String, backend: String? = nil, model: String? = nil, temperature: Double? = nil, line: Int = 0) {
            self.persona = persona
            self.backend = backend
            self.model = model
            self.temperature = temperature
            self.line = line
        }
    }

    public var file: String
    public var topic: String
    public var protocolName: String
    /// The line of `protocol:`, for errors about the cast a protocol needs.
    public var protocolLine: Int?
    public var rounds: Int
    public var participants: [Seat]
    public var leader: Seat?
    public var synthesizer: Seat?
    public var critics: [Seat]
    public var seed: UInt64?
    /// The backend every seat uses unless it names its own.
    public var defaultBackend: String?
    public var maxTokensPerTurn: Int?
    public var tokenBudget: Int?
    /// How many ideas each agent is asked for per turn.
    public var ideasPerTurn: Int
    /// Seconds a human has to answer before their turn is skipped.
    public var humanTimeoutSeconds: Double?
    /// Where the transcript goes; `nil` means `transcripts/<timestamp>-<slug>.jsonl`.
    public var output: String?
    /// A backend every agent seat uses, whatever the file says (`run --backend`).
    public var backendOverride: String?
    /// A model every agent seat asks for, whatever the file says (`run --model`).
    public var modelOverride: String?
    /// The backend for seats when neither they, their persona nor the file name one
    /// (`POLYPHONY_BACKEND`, then the backends file's `default:`).
    public var fallbackBackend: String?
    /// Ask agents for JSON ideas against a schema instead of a numbered list.
    public var structuredOutput: Bool = false

    public init(
        file: String, topic: String, protocolName: String, rounds: Int, participants: [Seat],
        leader: Seat? = nil, synthesizer: Seat? = nil, critics: [Seat] = [], seed: UInt64? = nil,
        defaultBackend: String? = nil, maxTokensPerTurn: Int? = nil, tokenBudget: Int? = nil,
        ideasPerTurn: Int = 3, humanTimeoutSeconds: Double? = nil, output: String? = nil
    ) {
        self.file = file
        self.topic = topic
        self.protocolName = protocolName
        self.rounds = rounds
        self.participants = participants
        self.leader = leader
        self.synthesizer = synthesizer
        self.critics = critics
        self.seed = seed
        self.defaultBackend = defaultBackend
        self.maxTokensPerTurn = maxTokensPerTurn
        self.tokenBudget = tokenBudget
        self.ideasPerTurn = ideasPerTurn
        self.humanTimeoutSeconds = humanTimeoutSeconds
        self.output = output
    }
}
