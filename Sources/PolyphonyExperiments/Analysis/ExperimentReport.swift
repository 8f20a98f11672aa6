import Foundation

/// What `polyphony experiment analyze` computes: every run's metrics, and per metric a
/// mean with a bootstrap interval per condition, and pairwise differences with intervals and
/// effect sizes. The JSON form (schema `polyphony.experiment/1`) is a public contract; it
/// holds no paths or times, so equal experiments give byte-equal reports.
public struct ExperimentReport: Sendable, Hashable, Codable {
    /// The JSON schema this build writes.
    public static let currentSchema = "polyphony.experiment/1"

    /// The settings the numbers depend on.
    public struct Settings: Sendable, Hashable, Codable {
        public var embedder: String
        public var embedderIsSemantic: Bool
        public var threshold: Double
        public var seed: UInt64
        public var bootstrapResamples: Int
        public var confidence: Double
        public var interval: String
        public var effectSize: String
    }

    /// One scored run.
    public struct Run: Sendable, Hashable, Codable {
        public var id: String
        public var condition: String
        public var topic: String
        public var seed: UInt64
        public var metrics: [String: Double]
    }

    /// One condition's summary of one metric.
    public struct ConditionSummary: Sendable, Hashable, Codable {
        public var condition: String
        /// Runs with a value for this metric.
        public var n: Int
        public var mean: Double?
        public var standardDeviation: Double?
        /// Percentile bootstrap interval of the mean.
        public var interval: Interval?
    }

    /// `mean(second) − mean(first)` for one metric.
    public struct Comparison: Sendable, Hashable, Codable {
        public var first: String
        public var second: String
        public var difference: Double?
        /// Percentile bootstrap interval of the difference (groups resampled independently).
        public var interval: Interval?
        /// Hedges' g of second against first.
        public var hedgesG: Double?
    }

    /// Everything about one metric.
    public struct MetricTable: Sendable, Hashable, Codable {
        public var metric: String
        public var description: String
        public var conditions: [ConditionSummary]
        public var comparisons: [Comparison]
    }

    public var schema: String
    public var experiment: String
    public var gridDigest: String
    public var settings: Settings
    /// Conditions in grid order.
    public var conditions: [String]
    /// Runs in grid order; only completed runs are scored.
    public var runs: [Run]
    /// Run ids of the grid with no completed transcript.
    public var missing: [String]
    public var metrics: [MetricTable]

    /// Pretty-printed JSON with sorted keys: stable for diffs and scripts.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
