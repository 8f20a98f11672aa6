extension ScoreReport {
    /// The human-ratings section of the HTML report: group means, agreement, and a
    /// judge-versus-people scatter per dimension; or, for a judged report without ratings,
    /// a note that the judge's agreement with people is unknown.
    func humanRatingsHTML() -> String {
        guard let ratings = humanRatings else {
            return quality == nil ? "" : "<p>\(ReportHTML.escape(HumanRatingsReport.agreementUnknown))</p>"
        }
        let escape = ReportHTML.escape
        var html = "<h2>Human ratings</h2>"
        html += "<p>\(ratings.ratings) blind ratings by \(ratings.raters.count) rater(s) on \(ratings.ideas.count) ideas; ± is the mean spread between raters.</p>"
        html += "<table><tr><th>group</th><th>ideas</th>" + ratings.dimensions.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
        for group in ratings.byGroup {
            html += "<tr><td>\(escape(group.group))</td><td>\(group.ideas)</td>"
                + ratings.dimensions.map { "<td>\(Self.optional(group.mean[$0], 2)) ± \(Self.optional(group.meanSpread[$0], 1))</td>" }.joined() + "</tr>"
        }
        html += "</table>"
        html += "<p>Agreement with 95% bootstrap intervals over ideas (\(ratings.resamples) resamples); n is the number of ideas. Krippendorff's α (interval) among raters; Spearman's ρ and α between the judge's mean and the raters' mean.</p>"
        html += "<table><tr><th>dimension</th><th>raters</th><th>α raters</th><th>ρ judge–human</th><th>α judge–human</th></tr>"
        for entry in ratings.agreement {
            let judged = ratings.judge != nil
            html += "<tr><td>\(escape(entry.dimension))</td><td>\(entry.raters)</td><td>\(escape(HumanRatingsReport.format(entry.ratersAlpha)))</td>"
                + "<td>\(judged ? escape(HumanRatingsReport.format(entry.judgeSpearman)) : "no judge")</td>"
                + "<td>\(judged ? escape(HumanRatingsReport.format(entry.judgeAlpha)) : "no judge")</td></tr>"
        }
        html += "</table>"
        if let quality {
            let humanMeans = Dictionary(ratings.ideas.map { ($0.index, $0.mean) }, uniquingKeysWith: { first, _ in first })
            var charts = ""
            for dimension in ratings.dimensions where quality.dimensions.contains(dimension) {
                let points = quality.ideas.compactMap { idea -> (Double, Double, Int)? in
                    guard let judge = idea.mean[dimension], let human = humanMeans[idea.index]?[dimension] else { return nil }
                    return (judge, human, idea.index)
                }
                charts += judgeHumanScatter(dimension: dimension, points: points)
            }
            if !charts.isEmpty { html += "<div class=\"charts\">" + charts + "</div>" }
        }
        return html
    }

    /// One dimension: the judge's mean (x) against the raters' mean (y), one dot per idea,
    /// with the diagonal where they would agree exactly.
    private func judgeHumanScatter(dimension: String, points: [(judge: Double, human: Double, index: Int)]) -> String {
        guard !points.isEmpty else { return "" }
        let width = 340.0, height = 260.0, left = 48.0, bottom = 40.0, top = 24.0, right = 12.0
        let values = points.flatMap { [$0.judge, $0.human] }
        let low = (values.min() ?? 0).rounded(.down), high = max((values.max() ?? 1).rounded(.up), low + 1)
        func sx(_ x: Double) -> Double { left + (x - low) / (high - low) * (width - left - right) }
        func sy(_ y: Double) -> Double { height - bottom - (y - low) / (high - low) * (height - top - bottom) }
        let title = "\(dimension): judge vs people"
        var svg = "<svg class=\"chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(Self.html(title))\">"
        svg += ReportHTML.chartTitle(title, x: left, available: width - left - right,
                                     definition: "Each dot is an idea: the judge's mean score on \(dimension) against the raters' mean; on the dashed diagonal they agree exactly.")
        svg += "<line x1=\"\(Int(left))\" y1=\"\(Int(height - bottom))\" x2=\"\(Int(width - right))\" y2=\"\(Int(height - bottom))\" stroke=\"#999\"/>"
        svg += "<line x1=\"\(Int(left))\" y1=\"\(Int(top))\" x2=\"\(Int(left))\" y2=\"\(Int(height - bottom))\" stroke=\"#999\"/>"
        svg += "<line x1=\"\(Self.number(sx(low), 1))\" y1=\"\(Self.number(sy(low), 1))\" x2=\"\(Self.number(sx(high), 1))\" y2=\"\(Self.number(sy(high), 1))\" stroke=\"#ccc\" stroke-dasharray=\"4 3\"/>"
        for tick in [low, (low + high) / 2, high] {
            svg += "<text x=\"\(Self.number(sx(tick), 1))\" y=\"\(Int(height - bottom + 14))\" font-size=\"10\" text-anchor=\"middle\">\(Self.number(tick, 1))</text>"
            svg += "<text x=\"\(Int(left - 4))\" y=\"\(Self.number(sy(tick) + 4, 1))\" font-size=\"10\" text-anchor=\"end\">\(Self.number(tick, 1))</text>"
        }
        svg += "<text class=\"axis-title\" x=\"\(Self.number((left + width - right) / 2, 1))\" y=\"\(Int(height - 6))\" font-size=\"11\" text-anchor=\"middle\">judge mean</text>"
        let middle = Self.number((top + height - bottom) / 2, 1)
        svg += "<text class=\"axis-title\" x=\"14\" y=\"\(middle)\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(middle))\">raters' mean</text>"
        for point in points {
            let text = point.index < ideas.count ? ideas[point.index].text : ""
            svg += "<circle cx=\"\(Self.number(sx(point.judge), 1))\" cy=\"\(Self.number(sy(point.human), 1))\" r=\"4\" fill=\"\(ReportHTML.palette[0])\" fill-opacity=\"0.6\"><title>judge \(Self.number(point.judge, 2)), people \(Self.number(point.human, 2)): \(Self.html(text))</title></circle>"
        }
        return svg + "</svg>"
    }
}
