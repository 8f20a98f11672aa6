/// One score a person gave one idea on one dimension, or a skip: a row of a ratings file.
public struct Rating: Sendable, Hashable, Codable {
    /// The idea's id in its source (a transcript's idea id, or `row-N` for idea lists).
    public var ideaId: String
    /// The idea's source: a transcript's session id or an idea list's file name.
    public var source: String
    /// Who rated.
    public var rater: String
    /// The rubric dimension rated.
    public var dimension: String
    /// The score; `nil` when the rater skipped the idea (an empty `score` cell). Agreement and
    /// means leave skips out; `polyphony rate` does not ask a skipped idea again.
    public var score: Double?
    /// When, as ISO 8601 UTC (`2026-12-02T14:37:50Z`).
    public var time: String

    public init(ideaId: String, source: String, rater: String, dimension: String, score: Double?, time: String) {
        self.ideaId = ideaId
        self.source = source
        self.rater = rater
        self.dimension = dimension
        self.score = score
        self.time = time
    }

    /// The idea a rating is about: source and id together, since ids repeat across sources.
    public var ideaKey: IdeaKey { IdeaKey(source: source, id: ideaId) }

    /// Whether this row records a skip rather than a score.
    public var isSkip: Bool { score == nil }
}

/// An idea's identity across sources.
public struct IdeaKey: Sendable, Hashable, Codable {
    public var source: String
    public var id: String

    public init(source: String, id: String) {
        self.source = source
        self.id = id
    }
}
