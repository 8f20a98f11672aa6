import PolyphonyScoring

/// The scalar measurements of one run that conditions are compared on.
package enum RunMetrics {
    /// Every metric, in report order. Definitions and sources are in docs/metrics.md.
    package static let names = [
        "ideas", "unique_ideas", "yield", "yield_at_0.8", "mean_pairwise_distance", "vendi",
        "distinct_1", "distinct_2", "distinct_3", "between_participant_similarity", "tokens",
        "originality", "reference_novelty", "hivemind_share",
    ]

    /// The metrics that need the learned model's embedder or a reference pool.
    package static let originalityNames: Set<String> = ["originality", "reference_novelty", "hivemind_share"]

    /// What each metric means, one line each, for the text and HTML reports.
    package static let descriptions: [String: String] = [
        "ideas": "ideas generated",
        "unique_ideas": "near-duplicate clusters at the scoring threshold",
        "yield": "unique ÷ generated at the scoring threshold",
        "yield_at_0.8": "unique ÷ generated at the literature's 0.8 cut",
        "mean_pairwise_distance": "mean pairwise cosine distance of idea embeddings",
        "vendi": "Vendi score: effective number of distinct ideas",
        "distinct_1": "distinct unigrams ÷ unigrams",
        "distinct_2": "distinct bigrams ÷ bigrams",
        "distinct_3": "distinct trigrams ÷ trigrams",
        "between_participant_similarity": "mean similarity between two participants' idea sets (homogeneity)",
        "tokens": "prompt + completion tokens the session used",
        "originality": "mean learned originality, 1–5 (minilm; calibrated on alternate-uses tasks)",
        "reference_novelty": "mean 1 − cosine to the 20 nearest reference-pool ideas (scoring.reference)",
        "hivemind_share": "share of ideas the reference pool already had (nearest pool idea a near-duplicate)",
    ]

    /// The metrics of one run's score report; metrics that do not apply (e.g. homogeneity
    /// for a solo run) are absent.
    package static func values(of report: ScoreReport, tokens: Int) -> [String: Double] {
        let overall = report.overall
        let optional: [String: Double?] = [
            "ideas": Double(overall.ideas),
            "unique_ideas": Double(overall.unique),
            "yield": overall.yield,
            "yield_at_0.8": overall.yieldAtLiteratureThreshold,
            "mean_pairwise_distance": overall.meanPairwiseDistance,
            "vendi": overall.vendi,
            "distinct_1": overall.distinct1,
            "distinct_2": overall.distinct2,
            "distinct_3": overall.distinct3,
            "between_participant_similarity": report.homogeneity.meanBetweenParticipants,
            "tokens": Double(tokens),
            "originality": overall.meanOriginality,
            "reference_novelty": overall.meanReferenceNovelty,
            "hivemind_share": overall.hivemindShare,
        ]
        return optional.compactMapValues { $0.flatMap { $0.isFinite ? $0 : nil } }
    }
}
