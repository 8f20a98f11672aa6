import Foundation

extension ExperimentReport {
    /// A plain-text summary: per metric, each condition's mean and interval, then every
    /// pairwise difference with its interval and Hedges' g.
    public func renderText() -> String {
        let level = Int((settings.confidence * 100).rounded())
        var lines: [String] = []
        lines.append("Experiment \(experiment): \(runs.count) scored run(s), \(missing.count) missing; embedder \(settings.embedder)\(settings.embedderIsSemantic ? "" : " (lexical)"), threshold \(Self.format(settings.threshold, 2)), \(settings.bootstrapResamples) bootstrap resamples, \(level)% percentile intervals")
        if !missing.isEmpty {
            lines.append("missing: \(missing.prefix(10).joined(separator: ", "))\(missing.count > 10 ? ", …" : "")")
        }
        for table in metrics {
            lines.append("")
            lines.append("\(table.metric) — \(table.description)")
            let width = max(9, conditions.map(\.count).max() ?? 0)
            lines.append(Self.pad("condition", width) + "   n        mean   \(level)% CI")
            for summary in table.conditions {
                lines.append(Self.pad(summary.condition, width) + String(format: " %3d", summary.n) + "  " + Self.padLeft(Self.format(summary.mean), 10) + "   " + Self.format(summary.interval))
            }
            for comparison in table.comparisons {
                let marker = comparison.interval?.excludesZero == true ? " *" : ""
                lines.append("  \(comparison.second) − \(comparison.first): \(Self.format(comparison.difference)) \(Self.format(comparison.interval)), g = \(Self.format(comparison.hedgesG, 2))\(marker)")
            }
        }
        lines.append("")
        lines.append("* the interval of the difference excludes 0")
        return lines.joined(separator: "\n") + "\n"
    }

    static func format(_ value: Double?, _ digits: Int = 3) -> String {
        guard let value else { return "–" }
        return String(format: "%.\(digits)f", value)
    }

    static func format(_ interval: Interval?) -> String {
        guard let interval else { return "–" }
        return "[\(format(interval.lower)), \(format(interval.upper))]"
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private static func padLeft(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
