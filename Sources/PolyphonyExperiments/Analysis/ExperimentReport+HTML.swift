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
        for table in metrics {
            body.append("<h2>\(ReportHTML.escape(table.metric))</h2><p>\(ReportHTML.escape(table.description))</p>")
            body.append("<div class=\"charts\">\(intervalPlot(table))</div>")
            var html = "<table><tr><th>condition</th><th>n</th><th title=\"\(ReportHTML.escape(table.description))\">mean</th><th>SD</th><th>\(level)% CI</th></tr>"
            for summary in table.conditions {
                html += "<tr><td>\(ReportHTML.escape(summary.condition))</td><td>\(summary.n)</td><td>\(Self.format(summary.mean))</td><td>\(Self.format(summary.standardDeviation))</td><td>\(Self.format(summary.interval))</td></tr>"
            }
            html += "</table>"
            if !table.comparisons.isEmpty {
                html += "<table><tr><th>second − first</th><th>difference</th><th>\(level)% CI</th><th>Hedges' g</th></tr>"
                for comparison in table.comparisons {
                    let strong = comparison.interval?.excludesZero == true
                    let cells = [
                        "\(ReportHTML.escape(comparison.second)) − \(ReportHTML.escape(comparison.first))",
                        Self.format(comparison.difference), Self.format(comparison.interval), Self.format(comparison.hedgesG, 2),
                    ].map { strong ? "<strong>\($0)</strong>" : $0 }
                    html += "<tr>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>"
                }
                html += "</table>"
            }
            body.append(html)
        }
        if !missing.isEmpty {
            body.append("<h2>Missing runs</h2><p>No completed transcript: " + missing.map(ReportHTML.escape).joined(separator: ", ") + "</p>")
        }
        body.append("<p><small>schema \(ReportHTML.escape(schema)); grid digest \(gridDigest)</small></p>")
        return ReportHTML.page(title: "Polyphony experiment \(experiment)", body: body.joined(separator: "\n"))
    }

    /// Ticks at round steps (1, 2 or 5 × 10ⁿ) inside `low...high`, about five of them, and
    /// the decimals that step needs, so an axis reads 4.2, 4.4, … rather than 4.16, 4.64, ….
    static func niceTicks(_ low: Double, _ high: Double) -> (ticks: [Double], digits: Int) {
        let span = high - low
        guard span > 0, span.isFinite else { return ([low], 2) }
        let raw = span / 5
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let digits = max(0, -Int((log10(step)).rounded(.down)))
        var ticks: [Double] = []
        var value = (low / step).rounded(.up) * step
        while value <= high + step * 1e-9, ticks.count < 12 {
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return (ticks, digits)
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
        var svg = "<svg class=\"chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(ReportHTML.escape(table.metric)) by condition\">"
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
        let (ticks, digits) = Self.niceTicks(low, high)
        for value in ticks {
            svg += "<line x1=\"\(Self.format(x(value), 1))\" x2=\"\(Self.format(x(value), 1))\" y1=\"\(Self.format(axis, 1))\" y2=\"\(Self.format(axis + 3, 1))\" stroke=\"#999\"/>"
            svg += "<text x=\"\(Self.format(x(value), 1))\" y=\"\(Self.format(axis + 13, 1))\" font-size=\"10\" text-anchor=\"middle\">\(Self.format(value, digits))</text>"
        }
        svg += "<text class=\"axis-title\" x=\"\(Int((left + width - right) / 2))\" y=\"\(Int(height - 4))\" font-size=\"11\" text-anchor=\"middle\">\(ReportHTML.escape(table.metric)) (mean and \(Int((settings.confidence * 100).rounded()))% interval)</text>"
        svg += "<text class=\"axis-title\" x=\"4\" y=\"\(Int(height - 4))\" font-size=\"11\">condition</text>"
        return svg + "</svg>"
    }
}
