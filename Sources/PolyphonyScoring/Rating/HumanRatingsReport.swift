import Foundation

/// What people's blind ratings say about the scored ideas, and how well they agree with each
/// other and with the LLM judge: the `human_ratings` section of a score report.
public struct HumanRatingsReport: Sendable, Hashable, Codable {
    /// A statistic with its 95% percentile-bootstrap interval over ideas.
    public struct Estimate: Sendable, Hashable, Codable {
        public var value: Double
        /// The interval's ends; absent when no resample gave a value.
        public var lower: Double?
        public var upper: Double?
        /// Ideas the statistic rests on.
        public var ideas: Int
    }

    /// One idea's ratings.
    public struct IdeaRatings: Sendable, Hashable, Codable {
        /// The idea's index in ``ScoreReport/ideas``.
        public var index: Int
        /// Raters who rated it on at least one dimension.
        public var raters: Int
        /// Mean over raters per dimension.
        public var mean: [String: Double]
        /// Population standard deviation across raters per dimension (with two or more raters).
        public var spread: [String: Double]
    }

    /// A group's ratings.
    public struct GroupRatings: Sendable, Hashable, Codable {
        public var group: String
        /// Rated ideas in the group.
        public var ideas: Int
        /// Mean over rated ideas of their mean rating, per dimension.
        public var mean: [String: Double]
        /// Mean over ideas with two or more raters of the spread between raters, per dimension.
        public var meanSpread: [String: Double]
    }

    /// Agreement on one dimension.
    public struct DimensionAgreement: Sendable, Hashable, Codable {
        public var dimension: String
        /// Ideas with at least one rating on it.
        public var ideas: Int
        public var raters: Int
        /// Krippendorff's α (interval) among raters, over ideas with two or more raters.
        public var ratersAlpha: Estimate?
        /// Spearman's ρ between the judge's mean and the raters' mean, over ideas both scored.
        public var judgeSpearman: Estimate?
        /// Krippendorff's α (interval) with the judge's mean and the raters' mean as two coders.
        public var judgeAlpha: Estimate?
    }

    /// The ratings files read, in order.
    public var files: [String]
    public var raters: [String]
    /// Ratings used (the latest per idea, rater and dimension).
    public var ratings: Int
    /// Ratings naming an idea that is not among the scored ideas; left out.
    public var unmatchedRatings: Int
    /// Dimensions in order of first appearance in the files.
    public var dimensions: [String]
    /// The judge compared against, when the report was judged.
    public var judge: String?
    /// Bootstrap resamples per interval.
    public var resamples: Int
    public var ideas: [IdeaRatings]
    public var byGroup: [GroupRatings]
    public var agreement: [DimensionAgreement]
}

extension HumanRatingsReport {
    /// Summarises `ratings` against the ideas (and the judge's scores, when present) of `report`.
    /// - Parameters:
    ///   - files: The ratings files, for the record.
    ///   - resamples: Bootstrap resamples per interval.
    ///   - seed: Seeds the bootstrap, together with each dimension's name.
    public init(report: ScoreReport, ratings: [Rating], files: [String], resamples: Int = 2_000, seed: UInt64 = 1) {
        // A skip that a rater later replaced by a score counts as the score; one left standing
        // says nothing about the idea's quality and is left out.
        let latest = RatingsFile.latest(ratings)
        var indexOf: [IdeaKey: Int] = [:]
        for idea in report.ideas where indexOf[IdeaKey(source: idea.source, id: idea.id)] == nil {
            indexOf[IdeaKey(source: idea.source, id: idea.id)] = idea.index
        }
        var dimensions: [String] = [], raters: [String] = []
        // scores[dimension][idea index][rater] = score
        var scores: [String: [Int: [String: Double]]] = [:]
        var unmatched = 0, used = 0
        for rating in latest {
            guard let score = rating.score else { continue }
            guard let index = indexOf[rating.ideaKey] else {
                unmatched += 1
                continue
            }
            used += 1
            if !dimensions.contains(rating.dimension) { dimensions.append(rating.dimension) }
            if !raters.contains(rating.rater) { raters.append(rating.rater) }
            scores[rating.dimension, default: [:]][index, default: [:]][rating.rater] = score
        }
        let ratedIndices = Set(scores.values.flatMap(\.keys)).sorted()
        var ideaRows: [IdeaRatings] = []
        for index in ratedIndices {
            var mean: [String: Double] = [:], spread: [String: Double] = [:]
            var who: Set<String> = []
            for dimension in dimensions {
                guard let given = scores[dimension]?[index], !given.isEmpty else { continue }
                who.formUnion(given.keys)
                let values = Array(given.values)
                let m = values.reduce(0, +) / Double(values.count)
                mean[dimension] = m
                if values.count >= 2 {
                    spread[dimension] = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count)).squareRoot()
                }
            }
            ideaRows.append(IdeaRatings(index: index, raters: who.count, mean: mean, spread: spread))
        }
        var groups: [String] = []
        for idea in report.ideas where !groups.contains(idea.group) { groups.append(idea.group) }
        let groupOf = Dictionary(report.ideas.map { ($0.index, $0.group) }, uniquingKeysWith: { first, _ in first })
        var byGroup: [GroupRatings] = []
        for group in groups {
            let rows = ideaRows.filter { groupOf[$0.index] == group }
            guard !rows.isEmpty else { continue }
            var mean: [String: Double] = [:], meanSpread: [String: Double] = [:]
            for dimension in dimensions {
                let means = rows.compactMap { $0.mean[dimension] }
                if !means.isEmpty { mean[dimension] = means.reduce(0, +) / Double(means.count) }
                let spreads = rows.compactMap { $0.spread[dimension] }
                if !spreads.isEmpty { meanSpread[dimension] = spreads.reduce(0, +) / Double(spreads.count) }
            }
            byGroup.append(GroupRatings(group: group, ideas: rows.count, mean: mean, meanSpread: meanSpread))
        }

        let judgeMeans = Dictionary((report.quality?.ideas ?? []).map { ($0.index, $0.mean) }, uniquingKeysWith: { first, _ in first })
        let humanMeans = Dictionary(ideaRows.map { ($0.index, $0.mean) }, uniquingKeysWith: { first, _ in first })
        var agreement: [DimensionAgreement] = []
        for dimension in dimensions {
            let perIdea = scores[dimension] ?? [:]
            let dimensionRaters = Set(perIdea.values.flatMap(\.keys))
            let seed = seed ^ RatingSession.seed(dimension)
            // Among raters: one unit per idea holding every rater's score.
            let units = perIdea.keys.sorted().map { Array(perIdea[$0]!.values) }.filter { $0.count >= 2 }
            let ratersAlpha = Self.estimate(count: units.count, resamples: resamples, seed: seed) { picked in
                Agreement.krippendorffAlphaInterval(picked.map { units[$0] })
            }
            // Judge against people: ideas both scored on this dimension.
            var pairs: [(judge: Double, human: Double)] = []
            if report.quality?.dimensions.contains(dimension) == true {
                for index in perIdea.keys.sorted() {
                    if let judge = judgeMeans[index]?[dimension], let human = humanMeans[index]?[dimension] { pairs.append((judge, human)) }
                }
            }
            let judgeSpearman = Self.estimate(count: pairs.count, resamples: resamples, seed: seed &+ 1) { picked in
                Agreement.spearman(picked.map { pairs[$0].judge }, picked.map { pairs[$0].human })
            }
            let judgeAlpha = Self.estimate(count: pairs.count, resamples: resamples, seed: seed &+ 2) { picked in
                Agreement.krippendorffAlphaInterval(picked.map { [pairs[$0].judge, pairs[$0].human] })
            }
            agreement.append(DimensionAgreement(
                dimension: dimension, ideas: perIdea.count, raters: dimensionRaters.count,
                ratersAlpha: ratersAlpha, judgeSpearman: judgeSpearman, judgeAlpha: judgeAlpha))
        }
        self.init(
            files: files, raters: raters, ratings: used, unmatchedRatings: unmatched, dimensions: dimensions,
            judge: report.quality?.judge, resamples: resamples, ideas: ideaRows, byGroup: byGroup, agreement: agreement)
    }

    /// The statistic over all `count` units, with its bootstrap interval; `nil` when undefined.
    private static func estimate(count: Int, resamples: Int, seed: UInt64, _ statistic: ([Int]) -> Double?) -> Estimate? {
        guard count > 0, let value = statistic(Array(0..<count)) else { return nil }
        let interval = Agreement.bootstrapInterval(count: count, resamples: resamples, seed: seed, statistic: statistic)
        return Estimate(value: value, lower: interval?.lower, upper: interval?.upper, ideas: count)
    }

    /// Warnings worth a line on stderr: ratings that matched no idea.
    public var warnings: [String] {
        unmatchedRatings == 0 ? [] : ["\(unmatchedRatings) rating(s) name ideas that are not among the scored ideas (idea_id and source must match a transcript's idea id and session id, or an idea list's row-N and file name); they were left out"]
    }
}
