import PolyphonyCore

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
    /// The judge's last answer in the first review that failed (in idea order), shortened:
    /// what to look at when reviews fail.
    public var firstFailure: String?

    /// Reviews that produced scores, and reviews that failed, over every idea.
    public var reviewCounts: (scored: Int, failed: Int) {
        ideas.reduce((0, 0)) { ($0.0 + $1.reviews, $0.1 + $1.failedReviews) }
    }

    /// Checks that the judge produced scores, so a run whose every review failed is never
    /// shown as a table of blanks.
    /// - Returns: A warning when some reviews failed, `nil` when none did.
    /// - Throws: ``PolyphonyError/backend(_:backend:status:isRetryable:)`` when every review failed.
    public func checkReviews() throws -> String? {
        let (scored, failed) = reviewCounts
        guard failed > 0 else { return nil }
        let first = firstFailure.map { "; the first failed review answered: \($0)" } ?? ""
        if scored == 0 {
            throw PolyphonyError.backend(
                "every one of the \(failed) judge reviews failed (no answer was rubric JSON)\(first)", backend: judge
            )
        }
        return "\(failed) of \(scored + failed) judge reviews failed (no rubric JSON after retries); those ideas rest on fewer reviews\(first)"
    }
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
