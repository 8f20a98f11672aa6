/// Blind-judge results: per-idea rubric scores with their spread, per-group means, and an
/// optional pairwise tournament.
public struct QualityReport: Sendable, Hashable, Codable {
    /// One idea's aggregated reviews.
    public struct IdeaQuality: Sendable, Hashable, Codable {
        /// The idea's index in ``ScoreReport/ideas``.
        public var index: Int
        /// Reviews that produced valid scores.
        public var reviews: Int
        /// Reviews that failed after their retries.
        public var failedReviews: Int
        /// Mean score per dimension.
        public var mean: [String: Double]
        /// Population standard deviation per dimension across reviews.
        public var spread: [String: Double]
    }

    /// A group's mean scores.
    public struct GroupQuality: Sendable, Hashable, Codable {
        public var group: String
        public var ideas: Int
        public var mean: [String: Double]
        /// Mean over ideas of the per-idea spread: how much reviewers disagreed.
        public var meanSpread: [String: Double]
    }

    public var rubric: String
    public var judge: String
    public var reviewsPerIdea: Int
    public var dimensions: [String]
    public var ideas: [IdeaQuality]
    public var byGroup: [GroupQuality]
    public var tournament: TournamentResult?
}

/// The outcome of a Swiss-system pairwise tournament.
public struct TournamentResult: Sendable, Hashable, Codable {
    /// One idea's standing.
    public struct Standing: Sendable, Hashable, Codable {
        public var index: Int
        public var group: String
        public var points: Double
    }

    /// A group's share of the top places.
    public struct GroupShare: Sendable, Hashable, Codable {
        public var group: String
        public var inTop: Int
        public var share: Double
        /// Its share of all ideas, for comparison.
        public var shareOfIdeas: Double
    }

    public var rounds: Int
    public var top: Int
    /// Comparisons whose two orderings disagreed (position bias), scored as draws.
    public var inconsistentComparisons: Int
    public var comparisons: Int
    public var standings: [Standing]
    public var topShares: [GroupShare]
}
