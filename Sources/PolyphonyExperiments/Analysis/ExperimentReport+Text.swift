import Foundation

extension ExperimentReport {
    /// A plain-text summary: per metric, each condition's mean and interval (pooled, then per
    /// topic), then the planned contrasts and the exploratory pairs with interval, Hedges' g,
    /// p and Holm-adjusted p.
    public func renderText() -> String {
        let level = Int((settings.confidence * 100).rounded())
        var lines: [String] = []
        lines.append("Experiment \(experiment): \(runs.count) scored run(s), \(missing.count) missing; embedder \(settings.embedder)\(settings.embedderIsSemantic ? "" : " (lexical)"), threshold \(Self.format(settings.threshold, 2)), \(settings.bootstrapResamples) bootstrap resamples, \(level)% percentile intervals")
        if let method = settings.multiplicity {
            lines.append("p-values: \(settings.pValue ?? "bootstrap"); adjusted by \(method)")
        }
        if settings.descriptive == true, let minimum = settings.inferentialMinimum {
            lines.append("DESCRIPTIVE ONLY: some condition × topic cell has \(settings.minimumRunsPerCell ?? 0) scored run(s), fewer than \(minimum); with so few replicates the intervals and p-values describe these runs and support no inference")
        }
        if !missing.isEmpty {
            lines.append("missing: \(missing.prefix(10).joined(separator: ", "))\(missing.count > 10 ? ", …" : "")")
        }
        for table in metrics {
            lines.append("")
            lines.append("\(table.metric) — \(table.description)")
            let width = max(9, (conditions.map(\.count).max() ?? 0) + 2)  // room for the per-topic indent
            lines.append(Self.pad("condition", width) + "   n        mean   \(level)% CI")
            for summary in table.conditions {
                lines.append(Self.pad(summary.condition, width) + String(format: " %3d", summary.n) + "  " + Self.padLeft(Self.format(summary.mean), 10) + "   " + Self.format(summary.interval))
            }
            for topic in table.topics ?? [] where (table.topics?.count ?? 0) > 1 {
                lines.append("  topic \(topic.topic):")
                for summary in topic.conditions {
                    lines.append("  " + Self.pad(summary.condition, width - 2) + String(format: " %3d", summary.n) + "  " + Self.padLeft(Self.format(summary.mean), 10) + "   " + Self.format(summary.interval))
                }
            }
            var heading: ExperimentReport.Comparison.Kind??
            for comparison in table.comparisons {
                if heading != .some(comparison.kind), let kind = comparison.kind {
                    lines.append(kind == .planned ? "  planned contrasts:" : "  exploratory pairs:")
                }
                heading = .some(comparison.kind)
                let marker = comparison.interval?.excludesZero == true ? " *" : ""
                let p = comparison.pValue.map { ", p = \(Self.format($0)), p_holm = \(Self.format(comparison.pHolm))" } ?? ""
                lines.append("  \(comparison.second) − \(comparison.first): \(Self.format(comparison.difference)) \(Self.format(comparison.interval)), g = \(Self.format(comparison.hedgesG, 2))\(p)\(marker)")
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
