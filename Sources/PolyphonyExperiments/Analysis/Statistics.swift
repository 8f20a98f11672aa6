/// Descriptive statistics and effect sizes used by the experiment report.
package enum Statistics {
    /// The arithmetic mean; `nil` for no values.
    package static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// The sample standard deviation (n − 1 in the denominator); `nil` below two values.
    package static func standardDeviation(_ values: [Double]) -> Double? {
        guard values.count > 1, let mean = mean(values) else { return nil }
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (squares / Double(values.count - 1)).squareRoot()
    }

    /// Hedges' g for `mean(second) − mean(first)`: Cohen's d with the pooled standard
    /// deviation, times the small-sample correction J = 1 − 3 / (4(n₁ + n₂) − 9)
    /// (Hedges 1981; Borenstein et al. 2009, *Introduction to Meta-Analysis*, eqs. 4.18–4.23).
    /// - Returns: `nil` when a group has fewer than two values or both have no spread.
    package static func hedgesG(_ first: [Double], _ second: [Double]) -> Double? {
        guard first.count > 1, second.count > 1,
              let m1 = mean(first), let m2 = mean(second),
              let s1 = standardDeviation(first), let s2 = standardDeviation(second)
        else { return nil }
        let n1 = Double(first.count)
        let n2 = Double(second.count)
        let pooled = (((n1 - 1) * s1 * s1 + (n2 - 1) * s2 * s2) / (n1 + n2 - 2)).squareRoot()
        guard pooled > 0 else { return nil }
        let correction = 1 - 3 / (4 * (n1 + n2) - 9)
        return correction * (m2 - m1) / pooled
    }

    /// Holm's step-down adjustment of p-values for a family of tests (Holm 1979, "A simple
    /// sequentially rejective multiple test procedure", *Scand. J. Statist.* 6:65–70): sort
    /// ascending, multiply the i-th smallest of m by (m − i + 1), carry the running maximum
    /// forward and cap at 1. It controls the family-wise error rate under any dependence; the
    /// same numbers as R's `p.adjust(p, "holm")`.
    /// - Returns: Adjusted p-values in the order given.
    package static func holm(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        let order = pValues.indices.sorted { (pValues[$0], $0) < (pValues[$1], $1) }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }
}
