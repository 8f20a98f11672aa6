import Foundation
import PolyphonyCore

/// What `polyphony experiment analyze` computes: every run's metrics, and per metric a
/// mean with a bootstrap interval per condition (pooled and per topic), and pairwise
/// differences (planned contrasts first) with intervals, effect sizes and Holm-adjusted p.
/// Fields added after `/2` first shipped are optional, so older reports still decode. The
/// JSON form (schema `polyphony.experiment/2`, snake_case) is a public contract; it holds no
/// paths or times, so equal experiments give byte-equal reports. Reports come from
/// ``ExperimentAnalyzer`` or from decoding one; like ``ScoreReport``'s parts, these types
/// keep Swift's internal memberwise initialisers.
public struct ExperimentReport: Sendable, Hashable, Codable {
    /// The JSON schema this build writes.
    public static let currentSchema = "polyphony.experiment/2"

    /// The settings the numbers depend on.
    public struct Settings: Sendable, Hashable, Codable {
        /// The embedder name.
        public var embedder: String
        /// Whether the embedder captures meaning (false: lexical).
        public var embedderIsSemantic: Bool
        /// The near-duplicate threshold used.
        public var threshold: Double
        /// Seed of the bootstrap and of the homogeneity floor.
        public var seed: UInt64
        /// Resamples per interval.
        public var bootstrapResamples: Int
        /// The confidence level of every interval.
        public var confidence: Double
        /// How intervals are computed.
        public var interval: String
        /// Which effect size is reported.
        public var effectSize: String
        /// How each comparison's p-value is computed.
        public var pValue: String?
        /// How p-values are adjusted for multiplicity, and over which families.
        public var multiplicity: String?
        /// Fewest scored runs in any condition × topic cell.
        public var minimumRunsPerCell: Int?
        /// Below this many runs per condition × topic cell, intervals and p-values are descriptive.
        public var inferentialMinimum: Int?
        /// True when some cell has fewer than ``inferentialMinimum`` runs: the intervals and
        /// p-values then describe the sample and support no inference.
        public var descriptive: Bool?
    }

    /// One scored run.
    public struct Run: Sendable, Hashable, Codable {
        /// The run id.
        public var id: String
        /// The condition.
        public var condition: String
        /// The topic id.
        public var topic: String
        /// The run's seed.
        public var seed: UInt64
        /// Metric name → value; metrics that do not apply are absent.
        public var metrics: [String: Double]
    }

    /// One condition's summary of one metric.
    public struct ConditionSummary: Sendable, Hashable, Codable {
        /// The condition.
        public var condition: String
        /// Runs with a value for this metric.
        public var n: Int
        /// The mean over the runs.
        public var mean: Double?
        /// The sample standard deviation (n − 1).
        public var standardDeviation: Double?
        /// Percentile bootstrap interval of the mean.
        public var interval: Interval?
    }

    /// `mean(second) − mean(first)` for one metric.
    public struct Comparison: Sendable, Hashable, Codable {
        /// The condition subtracted.
        public var first: String
        /// The condition subtracted from.
        public var second: String
        /// `mean(second) − mean(first)`.
        public var difference: Double?
        /// Percentile bootstrap interval of the difference (groups resampled independently).
        public var interval: Interval?
        /// Hedges' g of second against first.
        public var hedgesG: Double?
        /// `planned` (a grid contrast) or `exploratory` (every other pair).
        public var kind: Kind?
        /// Two-sided bootstrap p-value for "no difference", unadjusted.
        public var pValue: Double?
        /// Holm-adjusted p-value within the comparison's family (planned or exploratory) for this metric.
        public var pHolm: Double?

        /// Whether a comparison was named in advance.
        public enum Kind: String, Sendable, Hashable, Codable {
            /// Listed in the grid's `contrasts:`.
            case planned
            /// Any other pair of conditions.
            case exploratory
        }
    }

    /// One topic's condition summaries of one metric.
    public struct TopicSummary: Sendable, Hashable, Codable {
        /// The topic id.
        public var topic: String
        /// One summary per condition, in grid order, over this topic's runs only.
        public var conditions: [ConditionSummary]
    }

    /// Everything about one metric.
    public struct MetricTable: Sendable, Hashable, Codable {
        /// The metric name (see ``RunMetrics/names``).
        public var metric: String
        /// What the metric measures.
        public var description: String
        /// One summary per condition, in grid order.
        public var conditions: [ConditionSummary]
        /// Every pair of conditions: planned contrasts first (grid order), then the rest in grid order.
        public var comparisons: [Comparison]
        /// The same summaries per topic, beside the pooled ``conditions``.
        public var topics: [TopicSummary]?
    }

    /// `polyphony.experiment/2`.
    public var schema: String
    /// The experiment's name.
    public var experiment: String
    /// SHA-256 of the grid file's text.
    public var gridDigest: String
    /// The settings the numbers depend on.
    public var settings: Settings
    /// Conditions in grid order.
    public var conditions: [String]
    /// Runs in grid order; only completed runs are scored.
    public var runs: [Run]
    /// Run ids of the grid with no completed transcript.
    public var missing: [String]
    /// Metric name → value; metrics that do not apply are absent.
    public var metrics: [MetricTable]

    /// Pretty-printed snake_case JSON with sorted keys (``JSONOutput``): stable for diffs and scripts.
    public func jsonData() throws -> Data {
        try JSONOutput.data(self, what: "the experiment report")
    }
}
