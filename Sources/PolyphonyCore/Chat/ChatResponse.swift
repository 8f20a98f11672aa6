/// Why a model stopped producing text.
public enum FinishReason: String, Sendable, Codable, Hashable {
    case stop
    case length
    case contentFilter = "content_filter"
    case error
    case cancelled
    case unknown
}

/// Token counts as the provider reported them. `nil` means the provider did not say;
/// Polyphony never invents a count.
public struct TokenUsage: Sendable, Codable, Hashable {
    private enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
    }

    public var promptTokens: Int?
    public var completionTokens: Int?

    public init(promptTokens: Int? = nil, completionTokens: Int? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    /// Prompt plus completion tokens, counting unknown parts as zero.
    public var total: Int { (promptTokens ?? 0) + (completionTokens ?? 0) }

    /// Adds two usages; a part stays unknown only when both sides are unknown.
    public static func + (lhs: Self, rhs: Self) -> Self {
        func add(_ a: Int?, _ b: Int?) -> Int? {
            switch (a, b) {
            case (nil, nil): nil
            default: (a ?? 0) + (b ?? 0)
            }
        }
        return Self(
            promptTokens: add(lhs.promptTokens, rhs.promptTokens),
            completionTokens: add(lhs.completionTokens, rhs.completionTokens)
        )
    }
}

/// A finished completion.
public struct ChatResponse: Sendable, Codable, Hashable {
    public var text: String
    public var finishReason: FinishReason
    public var usage: TokenUsage
    /// The model the provider says actually answered.
    public var model: String?
    /// Wall time from first send to last byte, over all attempts, in milliseconds.
    public var latencyMilliseconds: Double
    /// How many HTTP attempts it took (1 when the first one succeeded).
    public var attempts: Int
    /// The failed attempts that were sent again, oldest first; `nil` when there were none
    /// (and in cache entries written before this was recorded).
    public var retries: [ChatRetry]?
    /// `true` when this answer came from the response cache rather than the server; set on
    /// the way out of the cache, never stored in it.
    public var cached: Bool?

    public init(
        text: String, finishReason: FinishReason = .stop, usage: TokenUsage = TokenUsage(),
        model: String? = nil, latencyMilliseconds: Double = 0, attempts: Int = 1, retries: [ChatRetry]? = nil
    ) {
        self.text = text
        self.finishReason = finishReason
        self.usage = usage
        self.model = model
        self.latencyMilliseconds = latencyMilliseconds
        self.attempts = attempts
        self.retries = retries
    }
}

/// One failed attempt of a request that was then sent again.
public struct ChatRetry: Sendable, Codable, Hashable {
    /// The HTTP status of the failed attempt, when the server answered.
    public var status: Int?
    /// What went wrong, in a user's words.
    public var message: String
    /// Seconds waited before the next attempt.
    public var delaySeconds: Double

    public init(status: Int?, message: String, delaySeconds: Double) {
        self.status = status
        self.message = message
        self.delaySeconds = delaySeconds
    }
}

/// What a streaming completion yields: text as it arrives, then the whole response once.
public enum ChatStreamEvent: Sendable, Hashable {
    case delta(String)
    case completed(ChatResponse)
}
