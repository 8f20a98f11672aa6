import PolyphonyCore

/// Agreement statistics for ratings: Krippendorff's α (interval), Spearman's ρ, and a
/// percentile bootstrap over ideas.
public enum Agreement {
    /// Krippendorff's α with the interval metric δ² = (a − b)².
    ///
    /// Each unit (idea) holds the values its raters gave; units with fewer than two values
    /// are not pairable and drop out. With n pairable values in all,
    /// `D_o = (1/n) Σ_u 1/(m_u − 1) Σ_{i≠j in u} (v_i − v_j)²`,
    /// `D_e = 1/(n(n − 1)) Σ_{i≠j over all pairable values} (v_i − v_j)²`, and `α = 1 − D_o/D_e`
    /// (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability").
    /// - Returns: `nil` with fewer than two pairable values or no variation at all (D_e = 0).
    public static func krippendorffAlphaInterval(_ units: [[Double]]) -> Double? {
        let pairable = units.filter { $0.count >= 2 }
        let values = pairable.flatMap { $0 }
        let n = Double(values.count)
        guard values.count >= 2 else { return nil }
        var observed = 0.0
        for unit in pairable {
            // Σ_{i≠j} (v_i − v_j)² = 2(m Σv² − (Σv)²).
            observed += sumOfSquaredDifferences(unit) / Double(unit.count - 1)
        }
        observed /= n
        let expected = sumOfSquaredDifferences(values) / (n * (n - 1))
        guard expected > 0 else { return nil }
        return 1 - observed / expected
    }

    /// Σ over ordered pairs i ≠ j of (v_i − v_j)², computed about the mean for accuracy.
    private static func sumOfSquaredDifferences(_ values: [Double]) -> Double {
        let mean = values.reduce(0, +) / Double(values.count)
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return 2 * Double(values.count) * squares
    }

    /// Spearman's rank correlation: Pearson's r of the ranks, ties given their average rank.
    /// - Returns: `nil` for fewer than two pairs, unequal lengths, or a constant side.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count, x.count >= 2 else { return nil }
        return pearson(ranks(x), ranks(y))
    }

    /// Pearson's correlation; `nil` when a side has no variance.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count, x.count >= 2 else { return nil }
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for index in x.indices {
            let dx = x[index] - mx, dy = y[index] - my
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return nil }
        return sxy / (sxx * syy).squareRoot()
    }

    /// 1-based ranks, tied values sharing the mean of the ranks they span.
    public static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            let average = Double(start + end) / 2 + 1
            for index in start...end { ranks[order[index]] = average }
            start = end + 1
        }
        return ranks
    }

    /// A percentile bootstrap interval (Efron & Tibshirani 1993, ch. 13) for a statistic of
    /// `count` units (ideas): units are drawn with replacement, the statistic recomputed, and
    /// the 2.5% and 97.5% quantiles (Hyndman & Fan type 7) of the results taken. Resamples
    /// where the statistic is undefined are left out.
    /// - Parameters:
    ///   - statistic: The statistic of the units at the given indices (repeats allowed).
    ///   - seed: Equal seeds give equal intervals.
    /// - Returns: `nil` when no resample gives a value.
    public static func bootstrapInterval(
        count: Int, resamples: Int = 2_000, confidence: Double = 0.95, seed: UInt64,
        statistic: ([Int]) -> Double?
    ) -> (lower: Double, upper: Double)? {
        guard count > 0 else { return nil }
        var generator = SplitMix64(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        var indices = [Int](repeating: 0, count: count)
        for _ in 0..<max(1, resamples) {
            for slot in indices.indices { indices[slot] = Int(generator.next(upperBound: UInt64(count))) }
            if let value = statistic(indices), value.isFinite { values.append(value) }
        }
        guard !values.isEmpty else { return nil }
        values.sort()
        let alpha = 1 - confidence
        return (quantile(values, alpha / 2), quantile(values, 1 - alpha / 2))
    }

    /// The `p` quantile of sorted values, linear between order statistics (type 7).
    static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        guard sorted.count > 1 else { return sorted[0] }
        let position = min(max(p, 0), 1) * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (position - Double(lower)) * (sorted[upper] - sorted[lower])
    }
}
