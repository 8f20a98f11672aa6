import Foundation
import PolyphonyScoring

extension ExperimentReport {
    /// A self-contained HTML comparison page in the session report's style: per metric, a
    /// table of condition means with intervals, an interval plot, and the pairwise differences.
    /// - Parameter generated: The date the header shows.
    public func renderHTML(generated: Date = Date()) -> String {
        let level = Int((settings.confidence * 100).rounded())
        var body: [String] = []
        body.append(ReportHTML.header(title: "Experiment \(experiment)", fields: [
            ("Topic", Array(Set(runs.map(\.topic))).sorted().map(ReportHTML.escape).joined(separator: "<br>")),
            ("Sources", "\(runs.count) scored run(s) in \(conditions.count) condition(s): " + conditions.map { "<code>\(ReportHTML.escape($0))</code>" }.joined(separator: ", ")),
            ("Embedder", "<code>\(ReportHTML.escape(settings.embedder))</code> (\(settings.embedderIsSemantic ? "semantic" : "lexical"))"),
            ("Threshold", Self.format(settings.threshold, 2)),
            ("Inference", settings.descriptive == true ? ReportHTML.escape(descriptiveLabel) : ""),
            ("Date", ReportHTML.timestamp(generated)),
            ("Polyphony", "version \(ReportHTML.polyphonyVersion)"),
        ]))
        let kindNote = settings.embedderIsSemantic
            ? "semantic embedder"
            : "<strong>lexical</strong> embedder: similarity means shared wording, not shared meaning"
        body.append("<p>\(runs.count) scored run(s) in \(conditions.count) condition(s)\(missing.isEmpty ? "" : ", <strong>\(missing.count) missing</strong>"); embedder <code>\(ReportHTML.escape(settings.embedder))</code> (\(kindNote)); near-duplicate threshold \(Self.format(settings.threshold, 2)). Intervals: \(level)% \(ReportHTML.escape(settings.interval)) with \(settings.bootstrapResamples) resamples (seed \(settings.seed)); effect size: \(ReportHTML.escape(settings.effectSize)). Differences are <em>second − first</em>; bold rows have an interval that excludes 0.</p>")
        body.append("<p class=\"legend\">" + conditions.enumerated().map { index, name in
            "<span><span class=\"swatch\" style=\"background:\(Self.colour(index))\"></span>\(ReportHTML.escape(name))</span>"
        }.joined() + "</p>")
        if let pValue = settings.pValue, let method = settings.multiplicity {
            body.append("<p class=\"method\">p-values: \(ReportHTML.escape(pValue)). Adjusted for multiplicity by \(ReportHTML.escape(method)). Planned contrasts (named in the grid's <code>contrasts:</code>) come first and are labelled <em>planned</em>; every other pair is <em>exploratory</em>.</p>")
        }
        if settings.descriptive == true {
            body.append("<p class=\"descriptive\"><strong>\(ReportHTML.escape(descriptiveLabel))</strong>: the smallest condition × topic cell has \(settings.minimumRunsPerCell ?? 0) scored run(s); with so few replicates the intervals and p-values describe these runs and support no inference.</p>")
        }
        for table in metrics {
            body.append(metricHTML(table, level: level))
        }
        if !missing.isEmpty {
            body.append("<h2>Missing runs</h2><p>No completed transcript: " + missing.map(ReportHTML.escape).joined(separator: ", ") + "</p>")
        }
        body.append("<p><small>schema \(ReportHTML.escape(schema)); grid digest \(gridDigest)</small></p>")
        return ReportHTML.page(title: "Polyphony experiment \(experiment)", body: body.joined(separator: "\n"))
    }

    /// The label a report with too few replicates carries, in the header and above the tables.
    var descriptiveLabel: String {
        "descriptive (fewer than \(settings.inferentialMinimum ?? ExperimentAnalyzer.inferentialMinimum) runs per cell)"
    }

    /// One metric: its interval plot, the condition table, the per-topic table (with two or
    /// more topics), and the comparisons, planned first.
    private func metricHTML(_ table: MetricTable, level: Int) -> String {
        let escape = ReportHTML.escape
        let definition = escape(table.description)
        var html = "<h2>\(escape(table.metric))</h2><p>\(definition)</p>"
        html += "<div class=\"charts\">\(intervalPlot(table))</div>"
        let intervalTitle = "\(level)% \(settings.interval) interval of the mean (\(settings.bootstrapResamples) resamples)"
        html += "<table class=\"sortable\"><thead><tr><th data-sort=\"condition\">condition</th><th data-sort=\"n\" title=\"Scored runs with a value.\">n</th>"
            + "<th data-sort=\"mean\" title=\"\(definition)\">mean</th><th data-sort=\"sd\" title=\"Sample standard deviation over runs (n − 1).\">SD</th>"
            + "<th data-sort=\"ci\" title=\"\(escape(intervalTitle))\">\(level)% CI</th></tr></thead><tbody>"
        for summary in table.conditions {
            html += "<tr><td>\(escape(summary.condition))</td>" + Self.summaryCells(summary) + "</tr>"
        }
        html += "</tbody></table>"
        if let topics = table.topics, topics.count > 1 {
            html += "<h3>\(escape(table.metric)) per topic</h3><table class=\"sortable per-topic\"><thead><tr><th data-sort=\"topic\">topic</th><th data-sort=\"topic-condition\" class=\"text\">condition</th>"
                + "<th data-sort=\"topic-n\" title=\"Scored runs of this topic with a value.\">n</th><th data-sort=\"topic-mean\" title=\"\(definition)\">mean</th>"
                + "<th data-sort=\"topic-sd\">SD</th><th data-sort=\"topic-ci\" title=\"\(escape(intervalTitle)), over this topic's runs\">\(level)% CI</th></tr></thead><tbody>"
            for topic in topics {
                for summary in topic.conditions {
                    html += "<tr><td>\(escape(topic.topic))</td><td class=\"text\">\(escape(summary.condition))</td>" + Self.summaryCells(summary) + "</tr>"
                }
            }
            html += "</tbody></table>"
        }
        guard !table.comparisons.isEmpty else { return html }
        html += "<table class=\"comparisons\"><tr><th title=\"planned: a contrast named in the grid; exploratory: any other pair\">kind</th><th class=\"text\">second − first</th>"
            + "<th title=\"mean(second) − mean(first)\">difference</th><th title=\"\(level)% percentile bootstrap interval of the difference, conditions resampled independently; unadjusted\">\(level)% CI</th>"
            + "<th title=\"Hedges' g: the difference in pooled standard deviations, corrected for small samples\">Hedges' g</th>"
            + "<th title=\"\(escape(settings.pValue ?? "two-sided bootstrap p-value"))\">p</th>"
            + "<th title=\"\(escape(settings.multiplicity ?? "Holm-adjusted p-value"))\">p (Holm)</th></tr>"
        for comparison in table.comparisons {
            let strong = comparison.interval?.excludesZero == true
            let kind = comparison.kind?.rawValue ?? ""
            let cells = [
                kind,
                "\(escape(comparison.second)) − \(escape(comparison.first))",
                Self.format(comparison.difference), Self.format(comparison.interval), Self.format(comparison.hedgesG, 2),
                Self.format(comparison.pValue), Self.format(comparison.pHolm),
            ].map { strong ? "<strong>\($0)</strong>" : $0 }
            html += "<tr class=\"\(kind)\">" + cells.enumerated().map { $0.offset == 1 ? "<td class=\"text\">\($0.element)</td>" : "<td>\($0.element)</td>" }.joined() + "</tr>"
        }
        return html + "</table>"
    }

    /// n, mean, SD and interval cells; sortable by `data-value` (the interval by its lower end).
    private static func summaryCells(_ summary: ConditionSummary) -> String {
        func cell(_ value: Double?, _ text: String) -> String {
            "<td data-value=\"\(value.map { format($0, 6) } ?? "")\">\(text)</td>"
        }
        return "<td data-value=\"\(summary.n)\">\(summary.n)</td>" + cell(summary.mean, format(summary.mean))
            + cell(summary.standardDeviation, format(summary.standardDeviation)) + cell(summary.interval?.lower, format(summary.interval))
    }

    private static func colour(_ index: Int) -> String { ReportHTML.palette[index % ReportHTML.palette.count] }

    /// One row per condition: the mean as a dot, the interval as a bar.
    private func intervalPlot(_ table: MetricTable) -> String {
        let rows = table.conditions
        let points = rows.flatMap { [$0.mean, $0.interval?.lower, $0.interval?.upper].compactMap { $0 } }
        guard var low = points.min(), var high = points.max() else { return "" }
        if high == low {
            low -= 0.5
            high += 0.5
        }
        let padding = (high - low) * 0.05
        low -= padding
        high += padding
        let width = 560.0, left = 150.0, right = 20.0, rowHeight = 22.0, top = 10.0
        let height = top + rowHeight * Double(rows.count) + 40
        func x(_ value: Double) -> Double { left + (value - low) / (high - low) * (width - left - right) }
        var svg = "<svg class=\"chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(ReportHTML.escape(table.metric)) by condition\"><title>\(ReportHTML.escape(table.metric)): \(ReportHTML.escape(table.description))</title>"
        for (index, row) in rows.enumerated() {
            let y = top + rowHeight * (Double(index) + 0.5)
            svg += "<text x=\"\(Int(left - 6))\" y=\"\(Self.format(y + 4, 1))\" font-size=\"11\" text-anchor=\"end\">\(ReportHTML.escape(row.condition))</text>"
            if let interval = row.interval {
                svg += "<line x1=\"\(Self.format(x(interval.lower), 1))\" x2=\"\(Self.format(x(interval.upper), 1))\" y1=\"\(Self.format(y, 1))\" y2=\"\(Self.format(y, 1))\" stroke=\"\(Self.colour(index))\" stroke-width=\"3\"/>"
            }
            if let mean = row.mean {
                svg += "<circle cx=\"\(Self.format(x(mean), 1))\" cy=\"\(Self.format(y, 1))\" r=\"4.5\" fill=\"\(Self.colour(index))\"><title>\(ReportHTML.escape(row.condition)): mean \(Self.format(mean)), CI \(Self.format(row.interval)), n = \(row.n)</title></circle>"
            }
        }
        let axis = height - 32
        svg += "<line x1=\"\(Int(left))\" x2=\"\(Int(width - right))\" y1=\"\(Self.format(axis, 1))\" y2=\"\(Self.format(axis, 1))\" stroke=\"#999\"/>"
        let (ticks, digits) = ReportHTML.niceTicks(low, high)
        for value in ticks {
            svg += "<line x1=\"\(Self.format(x(value), 1))\" x2=\"\(Self.format(x(value), 1))\" y1=\"\(Self.format(axis, 1))\" y2=\"\(Self.format(axis + 3, 1))\" stroke=\"#999\"/>"
            svg += "<text x=\"\(Self.format(x(value), 1))\" y=\"\(Self.format(axis + 13, 1))\" font-size=\"10\" text-anchor=\"middle\">\(Self.format(value, digits))</text>"
        }
        svg += "<text class=\"axis-title\" x=\"\(Int((left + width - right) / 2))\" y=\"\(Int(height - 4))\" font-size=\"11\" text-anchor=\"middle\">\(ReportHTML.escape(table.metric)) (mean and \(Int((settings.confidence * 100).rounded()))% interval)</text>"
        svg += "<text class=\"axis-title\" x=\"4\" y=\"\(Int(height - 4))\" font-size=\"11\">condition</text>"
        return svg + "</svg>"
    }
}
