/// One named entry of the backends file: where a model server is and how hard to push it.
///
/// API keys never live here: ``apiKeyEnvironmentVariable`` holds the *name* of the
/// environment variable that holds the key.
public struct BackendConfiguration: Sendable, Codable, Hashable {
    /// The wire dialect a server speaks.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case openai, anthropic, ollama, gemini, local
    }

    public var name: String
    public var kind: Kind
    public var baseURL: String
    public var model: String
    /// The embedding model, for servers that also embed.
    public var embeddingModel: String?
    public var apiKeyEnvironmentVariable: String?
    public var maxConcurrency: Int
    public var requestsPerMinute: Int?
    public var connectTimeoutSeconds: Double
    public var firstByteTimeoutSeconds: Double
    public var totalTimeoutSeconds: Double
    public var maxAttempts: Int
    /// The first retry's delay; later ones double, with jitter.
    public var retryBaseDelaySeconds: Double
    /// CPU threads of a managed local server (`kind: local` only); `nil` picks
    /// ``LocalModelServer/defaultThreads``.
    public var threads: Int?

    public init(
        name: String, kind: Kind, baseURL: String, model: String,
        embeddingModel: String? = nil, apiKeyEnvironmentVariable: String? = nil,
        maxConcurrency: Int = 4, requestsPerMinute: Int? = nil,
        connectTimeoutSeconds: Double = 10, firstByteTimeoutSeconds: Double = 120,
        totalTimeoutSeconds: Double = 600, maxAttempts: Int = 5, retryBaseDelaySeconds: Double = 0.5,
        threads: Int? = nil
    ) {
        self.name = name
        self.kind = kind
        self.baseURL = baseURL
        self.model = model
        self.embeddingModel = embeddingModel
        self.apiKeyEnvironmentVariable = apiKeyEnvironmentVariable
        self.maxConcurrency = maxConcurrency
        self.requestsPerMinute = requestsPerMinute
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.firstByteTimeoutSeconds = firstByteTimeoutSeconds
        self.totalTimeoutSeconds = totalTimeoutSeconds
        self.maxAttempts = maxAttempts
        self.retryBaseDelaySeconds = retryBaseDelaySeconds
        self.threads = threads
    }
}
