extension HumanRatingsReport {
    /// The line `score --judge` prints when no ratings were given: the judge's agreement with
    /// people is unmeasured, and says how to measure it.
    public static let agreementUnknown =
        "Judge–human agreement: unknown until ratings are given (collect them with `polyphony rate`, then add `--ratings FILE`)."

    /// The terminal section: per-group means with spread, then agreement per dimension.
    func renderLines() -> [String] {
        var out = ["Human ratings (\(ratings) ratings by \(raters.count) rater\(raters.count == 1 ? "" : "s") on \(ideas.count) ideas)"]
        var rows = [["group", "ideas"] + dimensions]
        for group in byGroup {
            rows.append([group.group, "\(group.ideas)"] + dimensions.map { dimension in
                ScoreReport.optional(group.mean[dimension], 2) + " ±" + ScoreReport.optional(group.meanSpread[dimension], 1)
            })
        }
        out.append(contentsOf: ScoreReport.align(rows))
        out.append("Agreement (95% bootstrap intervals over ideas, \(resamples) resamples; n = ideas)")
        var agreementRows = [["dimension", "raters", "α raters", "ρ judge–human", "α judge–human"]]
        for entry in agreement {
            agreementRows.append([
                entry.dimension, "\(entry.raters)", Self.format(entry.ratersAlpha),
                judge == nil ? "no judge" : Self.format(entry.judgeSpearman),
                judge == nil ? "no judge" : Self.format(entry.judgeAlpha),
            ])
        }
        out.append(contentsOf: ScoreReport.align(agreementRows))
        return out
    }

    /// `0.62 [0.41, 0.78] n=20`, or `-` when undefined.
    static func format(_ estimate: Estimate?) -> String {
        guard let estimate else { return "-" }
        let interval = estimate.lower.flatMap { lower in estimate.upper.map { upper in
            " [\(ScoreReport.number(lower, 2)), \(ScoreReport.number(upper, 2))]" } } ?? ""
        return ScoreReport.number(estimate.value, 2) + interval + " n=\(estimate.ideas)"
    }
}
