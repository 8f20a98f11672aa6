import Foundation
import PolyphonyCore

extension ScoreReport {
    /// One per-round measure of single ideas, averaged per group and round.
    struct RoundMeasure {
        var title: String
        var yTitle: String
        var definition: String
        /// The value of one idea, `nil` when it has none.
        var value: (ScoredIdea) -> Double?
    }

    /// A group's mean of one measure in one round, with its bootstrap interval.
    struct RoundEstimate: Equatable {
        var group: String
        var round: Int
        var n: Int
        var mean: Double
        var lower: Double
        var upper: Double
    }

    /// Bootstrap resamples behind each per-round interval.
    static let roundResamples = 1_000

    /// The measures the per-round interval charts show: always the new-idea yield; distance
    /// from the prompt, the judge's score and people's ratings when the report has them.
    func roundMeasures() -> [RoundMeasure] {
        let opensCluster = Self.ideasOpeningAClusterForTheirGroup(ideas)
        var measures = [RoundMeasure(
            title: "New-idea yield", yTitle: "share of the round's ideas",
            definition: "Share of a round's ideas that open a cluster their group had not reached before (the first of a new near-duplicate cluster at \(Self.number(settings.threshold, 2))). Bars: 95% percentile bootstrap over the round's ideas.",
            value: { opensCluster.contains($0.index) ? 1 : 0 })]
        if ideas.contains(where: { $0.promptDistance != nil }) {
            measures.append(RoundMeasure(
                title: "Distance from the prompt", yTitle: "1 − cosine to the prompt",
                definition: "Mean cosine distance of a round's ideas from the prompt (SemDis-style). Bars: 95% percentile bootstrap over the round's ideas.",
                value: \.promptDistance))
        }
        if let quality, !quality.dimensions.isEmpty {
            measures.append(RoundMeasure(
                title: "Judge score", yTitle: "judge mean (\(quality.dimensions.count) dimensions)",
                definition: "The blind judge's score of an idea averaged over the rubric's dimensions (\(quality.dimensions.joined(separator: ", "))), then over the round's ideas. Bars: 95% percentile bootstrap over the round's ideas.",
                value: { idea in
                    let scores = quality.dimensions.compactMap { idea.quality?[$0] }
                    return scores.isEmpty ? nil : scores.reduce(0, +) / Double(scores.count)
                }))
        }
        if let ratings = humanRatings, !ratings.ideas.isEmpty {
            let means = Dictionary(ratings.ideas.map { ($0.index, $0.mean) }, uniquingKeysWith: { first, _ in first })
            measures.append(RoundMeasure(
                title: "People's rating", yTitle: "raters' mean",
                definition: "People's blind ratings of an idea averaged over raters and dimensions, then over the round's rated ideas. Bars: 95% percentile bootstrap over the round's ideas.",
                value: { idea in
                    guard let scores = means[idea.index]?.values, !scores.isEmpty else { return nil }
                    return scores.reduce(0, +) / Double(scores.count)
                }))
        }
        return measures
    }

    /// The indices of ideas that are the first of their cluster within their group, taking
    /// rounds in order (and ideas in report order within a round); ideas without a round
    /// are left out. Their count per round is the trajectory's new clusters.
    static func ideasOpeningAClusterForTheirGroup(_ ideas: [ScoredIdea]) -> Set<Int> {
        var reached: [String: Set<Int>] = [:]
        var opening: Set<Int> = []
        let ordered = ideas.filter { $0.round != nil }.enumerated().sorted { ($0.element.round ?? 0, $0.offset) < ($1.element.round ?? 0, $1.offset) }
        for (_, idea) in ordered where reached[idea.group, default: []].insert(idea.cluster).inserted {
            opening.insert(idea.index)
        }
        return opening
    }

    /// Per group and round: the mean of `measure` over the round's ideas with a value, and a
    /// seeded 95% percentile bootstrap interval over those ideas.
    func roundEstimates(_ measure: RoundMeasure) -> [RoundEstimate] {
        var values: [String: [Int: [Double]]] = [:]
        for idea in ideas {
            guard let round = idea.round, let value = measure.value(idea), value.isFinite else { continue }
            values[idea.group, default: [:]][round, default: []].append(value)
        }
        var estimates: [RoundEstimate] = []
        for (groupIndex, group) in byGroup.map(\.key).enumerated() {
            for (round, sample) in (values[group] ?? [:]).sorted(by: { $0.key < $1.key }) {
                let mean = sample.reduce(0, +) / Double(sample.count)
                let seed = UInt64(truncatingIfNeeded: groupIndex) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: round)
                let interval = Agreement.bootstrapInterval(count: sample.count, resamples: Self.roundResamples, seed: seed) { indices in
                    indices.reduce(0) { $0 + sample[$1] } / Double(indices.count)
                }
                estimates.append(RoundEstimate(group: group, round: round, n: sample.count, mean: mean,
                                               lower: interval?.lower ?? mean, upper: interval?.upper ?? mean))
            }
        }
        return estimates
    }

    /// The per-round charts with intervals, one per measure, coloured by group like the
    /// other round charts.
    func roundIntervalCharts() -> String {
        guard ideas.contains(where: { $0.round != nil }) else { return "" }
        let groups = byGroup.map(\.key)
        let charts = roundMeasures().map { measure in
            Self.roundIntervalChart(measure, estimates: roundEstimates(measure), groups: groups)
        }.joined()
        return "<p>Per round and group: the mean over the round's ideas, with a 95% percentile bootstrap interval over those ideas (\(Self.roundResamples) seeded resamples). Hover a title for its definition, a dot for its numbers.</p>"
            + "<div class=\"charts\">\(charts)</div>" + Self.legend(groups)
    }

    private static func roundIntervalChart(_ measure: RoundMeasure, estimates: [RoundEstimate], groups: [String]) -> String {
        guard !estimates.isEmpty else { return "" }
        let width = 340.0, height = 220.0, left = 50.0, bottom = 32.0, top = 24.0, right = 12.0
        let rounds = Set(estimates.map(\.round)).sorted()
        let minX = Double(rounds.first ?? 0), maxX = Double(rounds.last ?? 1)
        var low = estimates.map(\.lower).min() ?? 0, high = estimates.map(\.upper).max() ?? 1
        if high - low < 1e-9 {
            low -= 0.5
            high += 0.5
        }
        let padding = (high - low) * 0.05
        low -= padding
        high += padding
        // Groups sit side by side around their round, so their bars do not hide each other.
        let slot = (width - left - right) / Double(max(rounds.count, 1))
        let shift = min(8, slot / Double(groups.count + 1))
        func sx(_ round: Int, _ group: Int) -> Double {
            let centre = left + (maxX == minX ? 0.5 : (Double(round) - minX) / (maxX - minX)) * (width - left - right - 2 * shift * Double(groups.count)) + shift * Double(groups.count)
            return centre + (Double(group) - Double(groups.count - 1) / 2) * shift
        }
        func sy(_ y: Double) -> Double { height - bottom - (y - low) / (high - low) * (height - top - bottom) }
        var svg = "<svg class=\"chart\" data-kind=\"round-interval\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(html(measure.title)) per round\">"
        svg += ReportHTML.chartTitle(measure.title + " per round", x: left, available: width - left - right, definition: measure.definition)
        svg += "<line x1=\"\(Int(left))\" y1=\"\(Int(height - bottom))\" x2=\"\(Int(width - right))\" y2=\"\(Int(height - bottom))\" stroke=\"#999\"/>"
        svg += "<line x1=\"\(Int(left))\" y1=\"\(Int(top))\" x2=\"\(Int(left))\" y2=\"\(Int(height - bottom))\" stroke=\"#999\"/>"
        let (ticks, digits) = ReportHTML.niceTicks(low, high)
        for tick in ticks {
            svg += "<line x1=\"\(Int(left - 3))\" x2=\"\(Int(left))\" y1=\"\(number(sy(tick), 1))\" y2=\"\(number(sy(tick), 1))\" stroke=\"#999\"/>"
            svg += "<text x=\"\(Int(left - 5))\" y=\"\(number(sy(tick) + 4, 1))\" font-size=\"10\" text-anchor=\"end\">\(number(tick, digits))</text>"
        }
        for round in rounds {
            svg += "<text x=\"\(number(sx(round, groups.count / 2), 1))\" y=\"\(Int(height - bottom + 14))\" font-size=\"10\" text-anchor=\"middle\">\(round)</text>"
        }
        svg += ReportHTML.axisTitles(x: "round", y: measure.yTitle, width: width, height: height)
        for (index, group) in groups.enumerated() {
            let colour = ReportHTML.palette[index % ReportHTML.palette.count]
            let points = estimates.filter { $0.group == group }
            guard !points.isEmpty else { continue }
            let path = points.map { "\(number(sx($0.round, index), 1)),\(number(sy($0.mean), 1))" }.joined(separator: " ")
            svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" stroke-opacity=\"0.7\"/>"
            for point in points {
                let x = number(sx(point.round, index), 1)
                svg += "<line class=\"interval\" x1=\"\(x)\" x2=\"\(x)\" y1=\"\(number(sy(point.lower), 1))\" y2=\"\(number(sy(point.upper), 1))\" stroke=\"\(colour)\" stroke-width=\"2\"/>"
                svg += "<circle cx=\"\(x)\" cy=\"\(number(sy(point.mean), 1))\" r=\"3.5\" fill=\"\(colour)\"><title>\(html(group)) round \(point.round): \(number(point.mean, 3)) [\(number(point.lower, 3)), \(number(point.upper, 3))], n = \(point.n)</title></circle>"
            }
        }
        return svg + "</svg>"
    }
}
