/// Percentile bootstrap confidence intervals (Efron & Tibshirani 1993, *An Introduction to the
/// Bootstrap*, ch. 13): resample with replacement, recompute the statistic, and take the
/// α/2 and 1−α/2 quantiles of the resampled statistics.
public struct Bootstrap: Sendable, Hashable {
    /// Resamples per interval.
    public var resamples: Int
    /// The confidence level, e.g. 0.95.
    public var confidence: Double

    /// - Parameters:
    ///   - resamples: Resamples per interval (values below 1 mean 1).
    ///   - confidence: The confidence level, in (0, 1).
    public init(resamples: Int = 10_000, confidence: Double = 0.95) {
        self.resamples = max(1, resamples)
        self.confidence = confidence
    }

    /// The interval for the mean of `sample`; `nil` for an empty sample.
    public func meanInterval(_ sample: [Double], seed: UInt64) -> Interval? {
        guard !sample.isEmpty else { return nil }
        var generator = SeededGenerator(seed: seed)
        var means = [Double](repeating: 0, count: resamples)
        for index in means.indices {
            means[index] = Self.resampledMean(sample, using: &generator)
        }
        return interval(of: &means)
    }

    /// The interval for `mean(second) − mean(first)`, resampling each group independently;
    /// `nil` when either group is empty.
    public func differenceInterval(_ first: [Double], _ second: [Double], seed: UInt64) -> Interval? {
        differenceTest(first, second, seed: seed)?.interval
    }

    /// The interval of `mean(second) − mean(first)` as ``differenceInterval(_:_:seed:)`` draws it
    /// (same seed, same resamples), with a two-sided bootstrap p-value for "no difference":
    /// p = 2·min(#{d* ≤ 0} + 1, #{d* ≥ 0} + 1) / (B + 1), capped at 1. This inverts the
    /// percentile interval (the smallest α whose 1 − α interval excludes 0; Efron & Tibshirani
    /// 1993, §16.4), with the +1 correction that keeps a Monte Carlo p-value above 0 (Davison &
    /// Hinkley 1997, *Bootstrap Methods and their Application*, §4.2.1).
    /// - Returns: `nil` when either group is empty.
    public func differenceTest(_ first: [Double], _ second: [Double], seed: UInt64) -> (interval: Interval, p: Double)? {
        guard !first.isEmpty, !second.isEmpty else { return nil }
        var generator = SeededGenerator(seed: seed)
        var differences = [Double](repeating: 0, count: resamples)
        for index in differences.indices {
            let a = Self.resampledMean(first, using: &generator)
            differences[index] = Self.resampledMean(second, using: &generator) - a
        }
        let atMost = differences.count { $0 <= 0 }
        let atLeast = differences.count { $0 >= 0 }
        let p = min(1, 2 * Double(min(atMost, atLeast) + 1) / Double(resamples + 1))
        return (interval(of: &differences), p)
    }

    /// The `p` quantile of sorted values, interpolating linearly between order statistics
    /// (Hyndman & Fan 1996, definition 7, the default of R and NumPy).
    public static func quantile(sorted values: [Double], _ p: Double) -> Double {
        guard values.count > 1 else { return values.first ?? .nan }
        let position = min(max(p, 0), 1) * Double(values.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, values.count - 1)
        return values[lower] + (position - Double(lower)) * (values[upper] - values[lower])
    }

    private func interval(of statistics: inout [Double]) -> Interval {
        statistics.sort()
        let alpha = 1 - confidence
        return Interval(
            lower: Self.quantile(sorted: statistics, alpha / 2),
            upper: Self.quantile(sorted: statistics, 1 - alpha / 2))
    }

    private static func resampledMean(_ sample: [Double], using generator: inout SeededGenerator) -> Double {
        var sum = 0.0
        for _ in sample.indices { sum += sample[generator.index(below: sample.count)] }
        return sum / Double(sample.count)
    }
}

/// A confidence interval.
public struct Interval: Sendable, Hashable, Codable {
    /// The lower end.
    public var lower: Double
    /// The upper end.
    public var upper: Double

    /// An interval from `lower` to `upper`.
    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    /// Whether `value` lies in the closed interval.
    public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }

    /// Whether zero lies outside the interval: the difference is distinguishable from none.
    public var excludesZero: Bool { !contains(0) }
}
