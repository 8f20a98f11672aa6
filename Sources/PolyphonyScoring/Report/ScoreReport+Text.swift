import Foundation

extension ScoreReport {
    /// The terminal summary `polyphony score` prints: groups side by side, then rounds,
    /// kinds, participants, homogeneity and warnings. Embedding numbers are labelled lexical
    /// when the embedder is.
    /// Participants listed in the contributions table.
    static let listedParticipants = 50

    public func renderText() -> String {
        var out: [String] = []
        let sourceCount = sources.count
        out.append("Scored \(overall.ideas) ideas from \(sourceCount) source\(sourceCount == 1 ? "" : "s") with \(settings.embedder)"
            + (settings.embedderIsSemantic ? " (semantic)" : " (LEXICAL: measures shared wording, not meaning)"))
        let t = Self.number(settings.threshold, 2)
        out.append("Near-duplicate threshold \(t) (\(settings.thresholdSource)); literature threshold \(Self.number(settings.literatureThreshold, 2)) shown beside it"
            + (settings.settlingBand.map { ", borderline \(Self.number($0[0], 2))–\(Self.number($0[1], 2)) settled by \(settings.settlingBackend ?? "LLM")" } ?? ""))
        if let note = originalityNote { out.append(note) }
        out.append("")
        out.append(contentsOf: table(title: "By group", rows: byGroup + [overall]))
        if byRound.count > 1 { out.append(contentsOf: table(title: "By round", rows: byRound)) }
        if byKind.count > 1 { out.append(contentsOf: table(title: "By kind", rows: byKind)) }
        out.append(contentsOf: table(title: "By participant", rows: byParticipant))

        if trajectory.count > byGroup.count {
            out.append("Trajectory (per group and round)")
            var rows = [[
                "group", "round", "ideas", "unique@\(Self.number(settings.threshold, 2))",
                "unique@\(Self.number(settings.literatureThreshold, 2)) (lit.)", "new clusters", "cumulative", "Vendi", "mean dist",
            ]]
            for point in trajectory {
                rows.append([
                    point.group, point.round.map(String.init) ?? "-", "\(point.summary.ideas)", "\(point.summary.unique)",
                    "\(point.summary.uniqueAtLiteratureThreshold)", "\(point.newClusters)", "\(point.cumulativeClusters)", Self.optional(point.summary.vendi, 2),
                    Self.optional(point.summary.meanPairwiseDistance, 3),
                ])
            }
            out.append(contentsOf: Self.align(rows))
            out.append("")
        }

        out.append("Contributions (clusters only this participant reached)")
        var rows = [["participant", "kind", "ideas", "clusters", "exclusive", "nearest-agent dist"]]
        // One author per row makes tens of thousands of participants; report.json lists them all.
        for contribution in contributions.prefix(Self.listedParticipants) {
            rows.append([
                contribution.participant, contribution.kind.rawValue, "\(contribution.ideas)", "\(contribution.clustersReached)",
                "\(contribution.exclusiveClusters)", Self.optional(contribution.meanNearestAgentDistance, 3),
            ])
        }
        out.append(contentsOf: Self.align(rows))
        if contributions.count > Self.listedParticipants {
            out.append("… and \(contributions.count - Self.listedParticipants) more participants (report.json lists every one)")
        }
        out.append("")

        if let between = homogeneity.meanBetweenParticipants {
            var line = "Homogeneity: mean similarity between participants \(Self.number(between, 3))"
            if let floor = homogeneity.randomPairFloor {
                line += ", random-pair floor \(Self.number(floor, 3)) ± \(Self.optional(homogeneity.randomPairFloorSpread, 3)) (\(homogeneity.permutations) author shuffles)"
            }
            if let within = homogeneity.meanWithinParticipants { line += ", within participants \(Self.number(within, 3))" }
            out.append(line)
        }
        if let settlement {
            out.append("Settled \(settlement.queries) borderline pairs (\(settlement.decisions.filter(\.same).count) judged the same); \(settlement.unresolved) left to the threshold")
        }
        if let quality {
            out.append("")
            out.append("Quality (blind judge \(quality.judge), rubric \(quality.rubric), \(quality.reviewsPerIdea) reviews per idea)")
            var rows = [["group", "ideas"] + quality.dimensions]
            for group in quality.byGroup {
                rows.append([group.group, "\(group.ideas)"] + quality.dimensions.map { dimension in
                    Self.optional(group.mean[dimension], 2) + " ±" + Self.optional(group.meanSpread[dimension], 1)
                })
            }
            out.append(contentsOf: Self.align(rows))
            if let tournament = quality.tournament {
                out.append("Tournament (\(tournament.rounds) Swiss rounds, \(tournament.comparisons) comparisons, \(tournament.inconsistentComparisons) position-inconsistent): share of top \(tournament.top)")
                for share in tournament.topShares {
                    out.append("  \(share.group): \(share.inTop) (\(Self.number(share.share * 100, 0))% of top, \(Self.number(share.shareOfIdeas * 100, 0))% of ideas)")
                }
            }
        }
        if let humanRatings {
            out.append("")
            out.append(contentsOf: humanRatings.renderLines())
        } else if quality != nil {
            out.append(HumanRatingsReport.agreementUnknown)
        }
        let warnings = sources.flatMap(\.warnings)
        if !warnings.isEmpty {
            out.append("")
            out.append(contentsOf: warnings.map { "warning: \($0)" })
        }
        return out.joined(separator: "\n") + "\n"
    }

    private func table(title: String, rows summaries: [DiversitySummary]) -> [String] {
        let t = Self.number(settings.threshold, 2), lit = Self.number(settings.literatureThreshold, 2)
        var rows = [[
            title.replacingOccurrences(of: "By ", with: ""), "ideas", "unique@\(t)", "yield", "unique@\(lit) (lit.)",
            "Vendi", "mean dist", "distinct-1/2/3", "prompt dist",
        ] + originalityHeaders]
        for summary in summaries {
            rows.append([
                summary.key, "\(summary.ideas)", "\(summary.unique)", Self.optional(summary.yield, 2),
                "\(summary.uniqueAtLiteratureThreshold)", Self.optional(summary.vendi, 2),
                Self.optional(summary.meanPairwiseDistance, 3),
                [summary.distinct1, summary.distinct2, summary.distinct3].map { Self.optional($0, 2) }.joined(separator: "/"),
                Self.optional(summary.meanPromptDistance, 3),
            ] + originalityCells(summary))
        }
        return [title] + Self.align(rows) + [""]
    }

    /// Whether any idea has a learned originality score, and whether a reference pool was used.
    var showsOriginality: Bool { settings.originalityModel != nil }
    var showsReference: Bool { settings.reference != nil }

    /// One line naming the learned model and the reference pool, when either applies.
    var originalityNote: String? {
        var parts: [String] = []
        if let model = settings.originalityModel {
            parts.append("originality: \(model), 1–5, calibrated on alternate-uses tasks (an extrapolation for other topics)")
        }
        if let reference = settings.reference {
            parts.append("reference novelty against \(settings.referenceIdeas ?? 0) pool ideas (\(reference.joined(separator: ", "))), k = \(settings.referenceK ?? ReferenceNovelty.defaultK); hivemind share = ideas whose nearest pool idea is a near-duplicate")
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// Column titles for the originality columns that apply.
    var originalityHeaders: [String] {
        (showsOriginality ? ["originality"] : []) + (showsReference ? ["ref. novelty", "hivemind share"] : [])
    }

    /// The originality cells of one summary, matching ``originalityHeaders``.
    func originalityCells(_ summary: DiversitySummary) -> [String] {
        (showsOriginality ? [Self.optional(summary.meanOriginality, 2)] : [])
            + (showsReference ? [Self.optional(summary.meanReferenceNovelty, 3), Self.optional(summary.hivemindShare, 2)] : [])
    }

    /// Left-aligns the first column and right-aligns the rest.
    static func align(_ rows: [[String]]) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }
    }

    static func number(_ value: Double, _ digits: Int) -> String {
        let text = String(format: "%.\(digits)f", value)
        // Rounding error around zero should not print as "-0.000".
        return text.hasPrefix("-") && text.dropFirst().allSatisfy { $0 == "0" || $0 == "." } ? String(text.dropFirst()) : text
    }

    static func optional(_ value: Double?, _ digits: Int) -> String {
        value.map { number($0, digits) } ?? "-"
    }
}
