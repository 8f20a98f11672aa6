import Foundation

extension ScoreReport {
    /// A single self-contained HTML page: a header with the settings, summary tables, a
    /// sortable and filterable idea table, and inline SVG charts (diversity per round, an idea
    /// map, contributions per participant, score distributions). No external files; it reads
    /// the same offline.
    /// - Parameter generated: The date the header shows.
    public func renderHTML(generated: Date = Date()) -> String {
        var body: [String] = []
        let kindNote = settings.embedderIsSemantic
            ? "semantic embedder"
            : "<strong>lexical</strong> embedder: similarity means shared wording, not shared meaning"
        body.append(headerHTML(generated: generated))
        body.append("<p>\(overall.ideas) ideas from \(sources.count) source(s); embedder <code>\(Self.html(settings.embedder))</code> (\(kindNote)); near-duplicate threshold \(Self.number(settings.threshold, 2)) (\(Self.html(settings.thresholdSource))), literature threshold \(Self.number(settings.literatureThreshold, 2)) shown beside it.</p>")
        if let note = originalityNote { body.append("<p>\(Self.html(note.prefix(1).uppercased() + note.dropFirst())).</p>") }
        body.append("<h2>Groups side by side</h2>")
        body.append(ReportHTML.wide(summaryTable(byGroup + [overall])))
        if byKind.count > 1 {
            body.append("<h2>Agents and humans</h2>")
            body.append(ReportHTML.wide(summaryTable(byKind)))
        }
        body.append("<h2>Diversity per round</h2>")
        body.append(roundCharts())
        body.append(roundIntervalCharts())
        body.append("<h2>Idea map</h2>")
        body.append("<p>Each dot is an idea, placed by the first two principal components of the embeddings and coloured by participant. Hover for the text; the other ideas of its cluster are outlined. ×n counts ideas drawn on one spot.</p>")
        body.append(ideaMap())
        body.append("<h2>Contributions per participant</h2>")
        body.append(contributionChart())
        body.append(homogeneityParagraph())
        body.append("<h2>Score distributions</h2>")
        body.append(distributions())
        if let quality {
            body.append("<h2>Quality (blind judge)</h2>")
            body.append(qualityTable(quality))
        }
        body.append(humanRatingsHTML())
        body.append("<h2>Ideas</h2>")
        body.append(ideaTable())
        body.append("<h2>Largest clusters</h2>")
        body.append(clusterList())
        let warnings = sources.flatMap(\.warnings)
        if !warnings.isEmpty {
            body.append("<h2>Warnings</h2><ul>" + warnings.map { "<li>\(Self.html($0))</li>" }.joined() + "</ul>")
        }
        body.append("<p><small>schema \(Self.html(schema)); settings digest \(settingsDigest)</small></p>")
        return ReportHTML.page(title: "Polyphony scores", body: body.joined(separator: "\n"))
    }

    private static let palette = ReportHTML.palette

    private func headerHTML(generated: Date) -> String {
        let topics = Array(Set(sources.compactMap(\.topic) + ideas.compactMap(\.prompt))).sorted()
        let agents = Array(Set(ideas.filter { $0.kind != .human }.map(\.author))).sorted()
        // Ideas carry their author (a persona), not the model behind it; the judge and the
        // borderline settler are named by backend.
        var models: [String] = []
        if let judge = quality?.judge { models.append("judge <code>\(Self.html(judge))</code>") }
        if let settler = settings.settlingBackend { models.append("settler <code>\(Self.html(settler))</code>") }
        return ReportHTML.header(title: "Idea diversity", fields: [
            ("Topic", topics.map(Self.html).joined(separator: "<br>")),
            ("Sources", sources.map { "<code>\(Self.html($0.id))</code> (\($0.kind.rawValue), \($0.ideaCount) ideas)" }.joined(separator: ", ")),
            ("Agents", agents.prefix(Self.namedParticipants).map { "<code>\(Self.html($0))</code>" }.joined(separator: ", ")
                + (agents.count > Self.namedParticipants ? " and \(agents.count - Self.namedParticipants) more" : "")),
            ("Models", models.joined(separator: "; ")),
            ("Embedder", "<code>\(Self.html(settings.embedder))</code> (\(settings.embedderIsSemantic ? "semantic" : "lexical"))"
                + (settings.embedderVariant.map { ", as <code>\(Self.html($0))</code>" } ?? "")),
            ("Threshold", "\(Self.number(settings.threshold, 2)) (\(Self.html(settings.thresholdSource))); literature \(Self.number(settings.literatureThreshold, 2))"),
            ("Date", ReportHTML.timestamp(generated)),
            ("Polyphony", "version \(ReportHTML.polyphonyVersion)"),
        ])
    }

    /// Every idea, one row each; a click on a column sorts, the box above filters.
    private func ideaTable() -> String {
        let judged = quality?.dimensions ?? []
        let rated = humanRatings?.dimensions ?? []
        let people = Dictionary(humanRatings?.ideas.map { ($0.index, $0) } ?? [], uniquingKeysWith: { first, _ in first })
        var columns = ["idea", "author", "kind", "group", "round", "cluster", "rarity"]
        columns += judged.map { "judge-\($0)" } + rated.map { "human-\($0)" }
        let titles = ["idea", "author", "kind", "group", "round", "cluster", "rarity"] + judged.map { "judge: \($0)" } + rated.map { "people: \($0)" }
        var html = "<p><input type=\"search\" data-filter=\"ideas\" placeholder=\"Filter ideas\" aria-label=\"Filter ideas\"> <small>Click a column to sort.</small></p>"
        html += "<div class=\"wide\"><table id=\"ideas\" class=\"sortable\"><thead><tr>"
            + zip(columns, titles).map { "<th data-sort=\"\(Self.html(Self.slug($0.0)))\">\(Self.html($0.1))</th>" }.joined() + "</tr></thead><tbody>"
        for idea in ideas.prefix(Self.listedIdeas) {
            func cell(_ value: Double?) -> String {
                "<td data-value=\"\(value.map { Self.number($0, 3) } ?? "")\">\(Self.optional(value, 2))</td>"
            }
            html += "<tr><td class=\"text\">\(Self.html(idea.text))</td><td>\(Self.html(idea.author))</td><td>\(idea.kind.rawValue)</td><td>\(Self.html(idea.group))</td>"
                + "<td data-value=\"\(idea.round.map(String.init) ?? "")\">\(idea.round.map(String.init) ?? "")</td><td data-value=\"\(idea.cluster)\">\(idea.cluster)</td><td data-value=\"\(idea.rarity)\">\(idea.rarity)</td>"
                + judged.map { cell(idea.quality?[$0]) }.joined()
                + rated.map { cell(people[idea.index]?.mean[$0]) }.joined() + "</tr>"
        }
        html += "</tbody></table></div>"
        if ideas.count > Self.listedIdeas {
            html += "<p><small>The first \(Self.listedIdeas) of \(ideas.count) ideas; ideas.csv and report.json hold every idea.</small></p>"
        }
        return html
    }

    /// Rows of the idea table, points of the idea map and participants charted: past these a
    /// study-sized report (100,000 ideas, 20,000 authors) would be too large for a browser.
    static let listedIdeas = 2_000
    static let mappedIdeas = 5_000
    static let chartedParticipants = 50
    static let namedParticipants = 40

    private static func slug(_ text: String) -> String {
        String(text.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" })
    }

    private func summaryTable(_ rows: [DiversitySummary]) -> String {
        let t = Self.number(settings.threshold, 2), lit = Self.number(settings.literatureThreshold, 2)
        let headers: [(String, String)] = [
            ("ideas", "Ideas scored."), ("participants", "Distinct authors."),
            ("unique@\(t)", "Clusters at the near-duplicate threshold: ideas left once near-duplicates (cosine similarity ≥ \(t)) are merged."),
            ("yield", "Unique ideas divided by ideas."),
            ("unique@\(lit) (lit.)", "Clusters at the literature threshold \(lit), for comparison with published numbers."),
            ("Vendi", "Vendi score: the effective number of distinct ideas, exp of the entropy of the similarity matrix's eigenvalues."),
            ("mean distance", "Mean pairwise cosine distance (1 − similarity) between ideas."),
            ("distinct-1", "Distinct unigrams divided by all unigrams."), ("distinct-2", "Distinct bigrams divided by all bigrams."),
            ("distinct-3", "Distinct trigrams divided by all trigrams."),
            ("prompt distance", "Mean cosine distance from the prompt (SemDis-style); higher is further from the obvious."),
        ]
        var html = "<table><tr><th></th>" + headers.map { "<th title=\"\(Self.html($0.1))\">\($0.0)</th>" }.joined()
            + originalityHeaders.map { "<th>\($0)</th>" }.joined() + "</tr>"
        for row in rows {
            let cells = [
                "\(row.ideas)", "\(row.participants)", "\(row.unique)", Self.optional(row.yield, 2), "\(row.uniqueAtLiteratureThreshold)",
                Self.optional(row.vendi, 2), Self.optional(row.meanPairwiseDistance, 3), Self.optional(row.distinct1, 2),
                Self.optional(row.distinct2, 2), Self.optional(row.distinct3, 2), Self.optional(row.meanPromptDistance, 3),
            ] + originalityCells(row)
            html += "<tr><td>\(Self.html(row.key))</td>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>"
        }
        return html + "</table>"
    }

    private func roundCharts() -> String {
        let groups = byGroup.map(\.key)
        func series(_ value: (TrajectoryPoint) -> Double?) -> [(String, [(Double, Double)])] {
            groups.map { group in
                (group, trajectory.filter { $0.group == group }.compactMap { point in
                    guard let round = point.round, let y = value(point) else { return nil }
                    return (Double(round), y)
                })
            }
        }
        let hasRounds = trajectory.contains { $0.round != nil }
        guard hasRounds else { return "<p>No round numbers were recorded.</p>" }
        return "<div class=\"charts\">"
            + Self.lineChart(title: "Vendi score", yTitle: "effective ideas", series: series { $0.summary.vendi },
                             definition: "The effective number of distinct ideas in the round: exp of the entropy of the similarity matrix's eigenvalues.")
            + Self.lineChart(title: "Unique ideas (yield) at \(Self.number(settings.threshold, 2))", yTitle: "unique / ideas", series: series { $0.summary.yield },
                             definition: "Near-duplicate clusters among the round's ideas divided by its ideas.")
            + Self.lineChart(title: "New clusters reached", yTitle: "new clusters", series: series { Double($0.newClusters) },
                             definition: "Clusters the group reached for the first time in this round.")
            + Self.lineChart(title: "Mean pairwise distance", yTitle: "1 − cosine", series: series { $0.summary.meanPairwiseDistance },
                             definition: "Mean cosine distance (1 − similarity) between the round's ideas.")
            + "</div>" + Self.legend(groups)
    }

    private func ideaMap() -> String {
        let participants = byParticipant.map(\.key)
        let colour = Dictionary(uniqueKeysWithValues: participants.enumerated().map { ($1, Self.palette[$0 % Self.palette.count]) })
        let width = 720.0, height = 480.0, margin = 28.0
        let xs = ideas.map(\.mapX), ys = ideas.map(\.mapY)
        let (minX, maxX) = (xs.min() ?? 0, xs.max() ?? 1), (minY, maxY) = (ys.min() ?? 0, ys.max() ?? 1)
        let spanX = max(maxX - minX, 1e-9), spanY = max(maxY - minY, 1e-9)
        var svg = "<svg class=\"chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"idea map\">"
        func place(_ idea: ScoredIdea) -> (Double, Double) {
            (margin + (idea.mapX - minX) / spanX * (width - 2 * margin), height - margin - (idea.mapY - minY) / spanY * (height - 2 * margin))
        }
        // Points closer than a dot's width are drawn on top of each other; a count says how many.
        // A large pool is drawn as an evenly spaced sample, which keeps the page light.
        let step = max(1, (ideas.count + Self.mappedIdeas - 1) / Self.mappedIdeas)
        let drawn = stride(from: 0, to: ideas.count, by: step).map { ideas[$0] }
        var stacks: [String: (Double, Double, Int)] = [:]
        for idea in drawn {
            let (x, y) = place(idea)
            let cell = "\(Int((x / 6).rounded())),\(Int((y / 6).rounded()))"
            stacks[cell, default: (x, y, 0)].2 += 1
        }
        for idea in drawn {
            let (x, y) = place(idea)
            let key = "\(idea.group)/\(idea.author)"
            let shape = idea.kind == .human
                ? "<rect x=\"\(Self.number(x - 4, 1))\" y=\"\(Self.number(y - 4, 1))\" width=\"8\" height=\"8\""
                : "<circle cx=\"\(Self.number(x, 1))\" cy=\"\(Self.number(y, 1))\" r=\"4\""
            svg += "\(shape) class=\"map-point\" data-cluster=\"\(idea.cluster)\" fill=\"\(colour[key] ?? "#888")\" fill-opacity=\"0.75\"><title>\(Self.html(key)) (cluster \(idea.cluster), rarity \(idea.rarity)): \(Self.html(idea.text))</title>\(idea.kind == .human ? "</rect>" : "</circle>")"
        }
        for (x, y, count) in stacks.values.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) where count > 1 {
            svg += "<text class=\"overlap\" x=\"\(Self.number(x + 6, 1))\" y=\"\(Self.number(y - 5, 1))\" font-size=\"10\">×\(count)</text>"
        }
        svg += ReportHTML.axisTitles(x: "first principal component", y: "second principal component", width: width, height: height)
        svg += "</svg>"
        let sampled = step > 1 ? " Every \(step)th idea is drawn: \(drawn.count) of \(ideas.count)." : ""
        let named = participants.count > Self.namedParticipants ? " The first \(Self.namedParticipants) of \(participants.count) participants are named." : ""
        return svg + Self.legend(Array(participants.prefix(Self.namedParticipants))) + "<p><small>Circles are agents, squares are humans.\(sampled)\(named)</small></p>"
    }

    private func contributionChart() -> String {
        let rows = Array(contributions.prefix(Self.chartedParticipants))
        guard !rows.isEmpty else { return "" }
        let barHeight = 14.0, gap = 10.0, labelWidth = 220.0, width = 720.0
        let maximum = Double(rows.map(\.ideas).max() ?? 1)
        let height = Double(rows.count) * (3 * barHeight + gap) + 40
        var svg = "<svg class=\"chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"contributions\">"
        let measures: [(String, (Contribution) -> Int, String)] = [
            ("ideas", { $0.ideas }, "#9ecae1"), ("clusters reached", { $0.clustersReached }, "#3182bd"),
            ("exclusive clusters", { $0.exclusiveClusters }, "#e6550d"),
        ]
        for (index, row) in rows.enumerated() {
            let top = 10 + Double(index) * (3 * barHeight + gap)
            svg += "<text x=\"4\" y=\"\(Self.number(top + 1.8 * barHeight, 1))\" font-size=\"12\">\(Self.html(row.participant))</text>"
            for (offset, measure) in measures.enumerated() {
                let value = measure.1(row)
                let length = Double(value) / max(maximum, 1) * (width - labelWidth - 60)
                let y = top + Double(offset) * barHeight
                svg += "<rect x=\"\(Int(labelWidth))\" y=\"\(Self.number(y, 1))\" width=\"\(Self.number(length, 1))\" height=\"\(Int(barHeight - 2))\" fill=\"\(measure.2)\"><title>\(measure.0): \(value)</title></rect>"
                svg += "<text x=\"\(Self.number(labelWidth + length + 4, 1))\" y=\"\(Self.number(y + barHeight - 4, 1))\" font-size=\"10\">\(value)</text>"
            }
        }
        svg += "<text class=\"axis-title\" x=\"\(Int((labelWidth + width) / 2))\" y=\"\(Int(height - 4))\" font-size=\"11\" text-anchor=\"middle\">count</text>"
        svg += "<text class=\"axis-title\" x=\"4\" y=\"\(Int(height - 4))\" font-size=\"11\">participant</text>"
        svg += "</svg>"
        let more = contributions.count > rows.count ? "<p><small>The first \(rows.count) of \(contributions.count) participants; report.json lists every one.</small></p>" : ""
        return svg + "<div class=\"legend\">" + measures.map { "<span><span class=\"swatch\" style=\"background:\($0.2)\"></span>\($0.0)</span>" }.joined() + "</div>" + more
    }

    private func homogeneityParagraph() -> String {
        guard let between = homogeneity.meanBetweenParticipants else { return "" }
        var text = "<p>Homogeneity: mean similarity between participants' idea sets \(Self.number(between, 3))"
        if let floor = homogeneity.randomPairFloor {
            text += " against a random-pair floor of \(Self.number(floor, 3)) ± \(Self.optional(homogeneity.randomPairFloorSpread, 3)) (\(homogeneity.permutations) seeded author shuffles)"
        }
        if let within = homogeneity.meanWithinParticipants { text += "; within participants \(Self.number(within, 3))" }
        return text + ".</p>"
    }

    private func distributions() -> String {
        let groups = byGroup.map(\.key)
        var charts = ""
        let promptDistances = groups.map { group in (group, ideas.filter { $0.group == group }.compactMap(\.promptDistance)) }
        if promptDistances.contains(where: { !$0.1.isEmpty }) {
            charts += Self.histogram(title: "Distance from the prompt", xTitle: "1 − cosine to the prompt", series: promptDistances, range: 0...1.2,
                                     definition: "Cosine distance of each idea from the prompt (SemDis-style); higher is further from the obvious.")
        }
        let originality = groups.map { group in (group, ideas.filter { $0.group == group }.compactMap(\.originality)) }
        if originality.contains(where: { !$0.1.isEmpty }) {
            charts += Self.histogram(title: "Learned originality (1–5)", xTitle: "originality (1–5)", series: originality, range: 1...5, bins: 16,
                                     definition: "Originality predicted by a model fitted to human ratings of alternate-uses answers (1–5); an extrapolation for other topics.")
        }
        let novelty = groups.map { group in (group, ideas.filter { $0.group == group }.compactMap(\.referenceNovelty)) }
        if novelty.contains(where: { !$0.1.isEmpty }) {
            charts += Self.histogram(title: "Novelty against the reference pool", xTitle: "1 − mean cosine to nearest references", series: novelty, range: 0...1.2,
                                     definition: "1 − mean similarity to the k nearest ideas of the reference pool for the same prompt.")
        }
        let rarities = groups.map { group in (group, ideas.filter { $0.group == group }.map { Double($0.rarity) }) }
        let maxRarity = Double(ideas.map(\.rarity).max() ?? 1)
        charts += Self.histogram(title: "Rarity (ideas sharing the cluster)", xTitle: "ideas in the cluster", series: rarities, range: 0.5...(maxRarity + 0.5), bins: min(20, Int(maxRarity)),
                                 definition: "How many ideas share each idea's near-duplicate cluster; 1 means no other idea is like it.")
        for dimension in quality?.dimensions ?? [] {
            let scores = groups.map { group in (group, ideas.filter { $0.group == group }.compactMap { $0.quality?[dimension] }) }
            charts += Self.histogram(title: "Judge: \(dimension)", xTitle: "judge score (1–10)", series: scores, range: 0.5...10.5, bins: 10,
                                     definition: "The blind judge's score on \(dimension), averaged over its independent reviews.")
        }
        return "<div class=\"charts\">\(charts)</div>" + Self.legend(groups)
    }

    private func qualityTable(_ quality: QualityReport) -> String {
        var html = "<p>Judge <code>\(Self.html(quality.judge))</code>, rubric <code>\(Self.html(quality.rubric))</code>, \(quality.reviewsPerIdea) independent reviews per idea; ± is the mean spread between reviews.</p>"
        html += "<table><tr><th>group</th><th>ideas</th>" + quality.dimensions.map { "<th>\(Self.html($0))</th>" }.joined() + "</tr>"
        for group in quality.byGroup {
            html += "<tr><td>\(Self.html(group.group))</td><td>\(group.ideas)</td>"
                + quality.dimensions.map { "<td>\(Self.optional(group.mean[$0], 2)) ± \(Self.optional(group.meanSpread[$0], 1))</td>" }.joined() + "</tr>"
        }
        html += "</table>"
        if let tournament = quality.tournament {
            html += "<p>Swiss tournament: \(tournament.rounds) rounds, \(tournament.comparisons) comparisons, \(tournament.inconsistentComparisons) changed verdict when the order was swapped.</p><table><tr><th>group</th><th>in top \(tournament.top)</th><th>share of top</th><th>share of ideas</th></tr>"
            for share in tournament.topShares {
                html += "<tr><td>\(Self.html(share.group))</td><td>\(share.inTop)</td><td>\(Self.number(share.share * 100, 0))%</td><td>\(Self.number(share.shareOfIdeas * 100, 0))%</td></tr>"
            }
            html += "</table>"
        }
        return html
    }

    private func clusterList() -> String {
        let largest = clusters.sorted { $0.size > $1.size || ($0.size == $1.size && $0.id < $1.id) }.prefix(15)
        var html = "<table><tr><th>cluster</th><th>size</th><th>participants</th><th>representative idea</th></tr>"
        for cluster in largest {
            let text = ideas.indices.contains(cluster.representative) ? ideas[cluster.representative].text : ""
            html += "<tr><td>\(cluster.id)</td><td>\(cluster.size)</td><td>\(Self.html(cluster.participants.joined(separator: ", ")))</td><td style=\"text-align:left\">\(Self.html(text))</td></tr>"
        }
        return html + "</table>"
    }

    static func legend(_ names: [String]) -> String {
        "<div class=\"legend\">" + names.enumerated().map { index, name in
            "<span><span class=\"swatch\" style=\"background:\(palette[index % palette.count])\"></span>\(html(name))</span>"
        }.joined() + "</div>"
    }

    private static func lineChart(title: String, yTitle: String, series: [(String, [(Double, Double)])], definition: String) -> String {
        let width = 340.0, height = 220.0, left = 44.0, bottom = 28.0, top = 24.0, right = 12.0
        let points = series.flatMap(\.1)
        guard !points.isEmpty else { return "" }
        let minX = points.map(\.0).min() ?? 0, maxX = points.map(\.0).max() ?? 1
        let maxY = max(points.map(\.1).max() ?? 1, 1e-9), minY = min(0, points.map(\.1).min() ?? 0)
        func sx(_ x: Double) -> Double { left + (maxX == minX ? 0.5 : (x - minX) / (maxX - minX)) * (width - left - right) }
        func sy(_ y: Double) -> Double { height - bottom - (y - minY) / (maxY - minY) * (height - top - bottom) }
        var svg = "<svg class=\"chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(html(title))\">"
        svg += ReportHTML.chartTitle(title, x: left, available: width - left - right, definition: definition)
        svg += "<line x1=\"\(Int(left))\" y1=\"\(Int(height - bottom))\" x2=\"\(Int(width - right))\" y2=\"\(Int(height - bottom))\" stroke=\"#999\"/>"
        svg += "<line x1=\"\(Int(left))\" y1=\"\(Int(top))\" x2=\"\(Int(left))\" y2=\"\(Int(height - bottom))\" stroke=\"#999\"/>"
        for tick in [minY, (minY + maxY) / 2, maxY] {
            svg += "<text x=\"\(Int(left - 4))\" y=\"\(number(sy(tick) + 4, 1))\" font-size=\"10\" text-anchor=\"end\">\(number(tick, maxY < 10 ? 2 : 0))</text>"
        }
        for round in Set(points.map(\.0)).sorted() {
            svg += "<text x=\"\(number(sx(round), 1))\" y=\"\(Int(height - bottom + 14))\" font-size=\"10\" text-anchor=\"middle\">\(Int(round))</text>"
        }
        svg += ReportHTML.axisTitles(x: "round", y: yTitle, width: width, height: height)
        for (index, (name, values)) in series.enumerated() where !values.isEmpty {
            let colour = palette[index % palette.count]
            let path = values.sorted { $0.0 < $1.0 }.map { "\(number(sx($0.0), 1)),\(number(sy($0.1), 1))" }.joined(separator: " ")
            svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>"
            for (x, y) in values {
                svg += "<circle cx=\"\(number(sx(x), 1))\" cy=\"\(number(sy(y), 1))\" r=\"3\" fill=\"\(colour)\"><title>\(html(name)) round \(Int(x)): \(number(y, 3))</title></circle>"
            }
        }
        return svg + "</svg>"
    }

    private static func histogram(title: String, xTitle: String, series: [(String, [Double])], range: ClosedRange<Double>, bins requested: Int = 12,
                                  definition: String) -> String {
        let bins = max(1, requested)
        let width = 340.0, height = 220.0, left = 36.0, bottom = 28.0, top = 24.0, right = 12.0
        let binWidth = (range.upperBound - range.lowerBound) / Double(bins)
        let counts = series.map { _, values in
            var counts = [Int](repeating: 0, count: bins)
            for value in values {
                let bin = min(bins - 1, max(0, Int((value - range.lowerBound) / binWidth)))
                counts[bin] += 1
            }
            return counts
        }
        let maxCount = max(1, counts.flatMap { $0 }.max() ?? 1)
        let slot = (width - left - right) / Double(bins)
        let barWidth = slot / Double(max(1, series.count))
        var svg = "<svg class=\"chart\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(html(title))\">"
        svg += ReportHTML.chartTitle(title, x: left, available: width - left - right, definition: definition)
        svg += "<line x1=\"\(Int(left))\" y1=\"\(Int(height - bottom))\" x2=\"\(Int(width - right))\" y2=\"\(Int(height - bottom))\" stroke=\"#999\"/>"
        svg += "<text x=\"\(Int(left - 4))\" y=\"\(Int(top + 8))\" font-size=\"10\" text-anchor=\"end\">\(maxCount)</text>"
        for (index, binCounts) in counts.enumerated() {
            for (bin, count) in binCounts.enumerated() where count > 0 {
                let barHeight = Double(count) / Double(maxCount) * (height - top - bottom)
                let x = left + Double(bin) * slot + Double(index) * barWidth
                let lower = range.lowerBound + Double(bin) * binWidth
                svg += "<rect x=\"\(number(x, 1))\" y=\"\(number(height - bottom - barHeight, 1))\" width=\"\(number(max(1, barWidth - 1), 1))\" height=\"\(number(barHeight, 1))\" fill=\"\(palette[index % palette.count])\"><title>\(html(series[index].0)): \(count) in [\(number(lower, 2)), \(number(lower + binWidth, 2)))</title></rect>"
            }
        }
        for tick in [range.lowerBound, (range.lowerBound + range.upperBound) / 2, range.upperBound] {
            let x = left + (tick - range.lowerBound) / (range.upperBound - range.lowerBound) * (width - left - right)
            svg += "<text x=\"\(number(x, 1))\" y=\"\(Int(height - bottom + 14))\" font-size=\"10\" text-anchor=\"middle\">\(number(tick, 1))</text>"
        }
        svg += ReportHTML.axisTitles(x: xTitle, y: "ideas", width: width, height: height)
        return svg + "</svg>"
    }

    /// Escapes text for HTML element content and attribute values.
    static func html(_ text: String) -> String { ReportHTML.escape(text) }
}
