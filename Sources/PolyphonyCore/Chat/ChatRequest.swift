/// One completion request, independent of the provider that will serve it.
public struct ChatRequest: Sendable, Codable, Hashable {
    public var messages: [ChatMessage]
    /// Overrides the backend's configured model when set.
    public var model: String?
    public var temperature: Double?
    public var maxTokens: Int?
    /// Asks the provider for reproducible sampling where it supports a seed.
    public var seed: UInt64?
    public var stop: [String]
    /// A JSON Schema the answer must satisfy, for providers with structured output.
    public var jsonSchema: JSONValue?

    public init(
        messages: [ChatMessage], model: String? = nil, temperature: Double? = nil,
        maxTokens: Int? = nil, seed: UInt64? = nil, stop: [String] = [],
        jsonSchema: JSONValue? = nil
    ) {
        self.messages = messages
        self.model = model
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.seed = seed
        self.stop = stop
        self.jsonSchema = jsonSchema
    }
}
