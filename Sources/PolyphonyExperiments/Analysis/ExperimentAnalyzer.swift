import Foundation
import PolyphonyCore
import PolyphonyScoring

/// Scores every completed run of an experiment and compares its conditions.
public struct ExperimentAnalyzer: Sendable {
    /// Embeds ideas for the embedding-based metrics.
    public var embedder: any Embedder
    /// Overrides the grid's bootstrap resamples.
    public var resamples: Int?
    /// The matrix product for reference novelty (BLAS from the CLI; portable Swift otherwise).
    public var referenceProduct: ReferenceNovelty.MatrixProduct?
    /// Judges every run's ideas (the grid's `scoring: judge:`), adding `quality_<dimension>`.
    public var quality: RunQuality?

    /// - Parameters:
    ///   - embedder: Usually the one the grid's `scoring.embedder` names.
    ///   - resamples: Overrides the grid's bootstrap resamples.
    public init(embedder: any Embedder, resamples: Int? = nil) {
        self.embedder = embedder
        self.resamples = resamples
    }

    /// Scores and compares the runs found in `experiment`.
    /// - Throws: ``PolyphonyError`` when a transcript cannot be read or the embedder fails.
    public func analyze(_ experiment: ExperimentFolders) async throws -> ExperimentReport {
        let scoring = experiment.grid.scoring
        var analyzer = DiversityAnalyzer(seed: scoring.seed, floorPermutations: scoring.floorPermutations)
        if let threshold = scoring.threshold {
            analyzer.threshold = Float(threshold)
            analyzer.thresholdSource = "grid"
        }
        guard !experiment.completed.isEmpty else {
            // Tables of blanks would look like a result; there is nothing to compare yet.
            throw PolyphonyError.invalidInput(
                "experiment '\(experiment.manifest.name)' has no completed run to analyse (0 of \(experiment.manifest.runs.count)); run or resume it with `polyphony experiment run` first"
            )
        }
        if !scoring.reference.isEmpty {
            let folder = (experiment.grid.file as NSString).deletingLastPathComponent
            let paths = scoring.reference.map { path in
                path.hasPrefix("/") || FileManager.default.fileExists(atPath: path) ? path : (folder as NSString).appendingPathComponent(path)
            }
            try analyzer.useReferencePools(paths, named: scoring.reference, novelty: ReferenceNovelty(product: referenceProduct))
        }
        var runs: [ExperimentReport.Run] = []
        var missing: [String] = []
        for entry in experiment.manifest.runs {
            guard let path = experiment.completed[entry.id] else {
                missing.append(entry.id)
                continue
            }
            let tokens = try ExperimentRunner.recordedEnd(path).map { $0.totals.promptTokens + $0.totals.completionTokens } ?? 0
            let pool = try IdeaPool.load(transcripts: [path])
            var metrics: [String: Double] = ["ideas": 0, "tokens": Double(tokens)]
            if !pool.ideas.isEmpty {
                let report = try await analyzer.analyze(pool, embedder: embedder)
                metrics = RunMetrics.values(of: report, tokens: tokens)
                if let quality { metrics.merge(try await quality.metrics(of: report, transcript: path)) { $1 } }
            }
            runs.append(ExperimentReport.Run(id: entry.id, condition: entry.condition, topic: entry.topic, seed: entry.seed, metrics: metrics))
        }
        let bootstrap = Bootstrap(resamples: resamples ?? scoring.bootstrapResamples, confidence: scoring.confidence)
        let conditions = experiment.manifest.conditions
        // By default the originality metrics appear only when some run has them (a pool was
        // given; the embedder is the learned model's), so lexical analyses gain no empty tables.
        let defaults = RunMetrics.names.filter { metric in
            !RunMetrics.originalityNames.contains(metric) || runs.contains { $0.metrics[metric] != nil }
        }
        let metricNames = (scoring.metrics ?? defaults) + (quality?.metricNames ?? [])
        let topics = experiment.grid.topics.map(\.id)
        let contrasts = experiment.grid.contrasts
        let tables = metricNames.map { metric in
            Self.table(
                metric: metric, description: RunMetrics.descriptions[metric] ?? quality?.descriptions[metric] ?? metric,
                runs: runs, conditions: conditions, topics: topics, contrasts: contrasts, bootstrap: bootstrap, seed: scoring.seed)
        }
        let cells = Self.minimumRunsPerCell(runs: runs, conditions: conditions, topics: topics)
        return ExperimentReport(
            schema: ExperimentReport.currentSchema, experiment: experiment.manifest.name,
            gridDigest: experiment.manifest.gridDigest,
            settings: ExperimentReport.Settings(
                embedder: embedder.name, embedderIsSemantic: embedder.isSemantic,
                threshold: Double(shortestDecimal: analyzer.threshold), seed: scoring.seed, bootstrapResamples: bootstrap.resamples,
                confidence: bootstrap.confidence, interval: "percentile bootstrap",
                effectSize: "Hedges' g (pooled SD, small-sample correction)",
                pValue: Self.pValueMethod, multiplicity: Self.multiplicityMethod,
                minimumRunsPerCell: cells, inferentialMinimum: Self.inferentialMinimum,
                descriptive: cells < Self.inferentialMinimum),
            conditions: conditions, runs: runs, missing: missing, metrics: tables)
    }

    /// Runs per condition × topic cell below which the report calls its intervals descriptive.
    /// With fewer than 5 values a percentile bootstrap can draw only a handful of distinct
    /// means (at most 126 multisets of 5), so its intervals are too narrow and its p-values too
    /// coarse to carry their nominal coverage (Efron & Tibshirani 1993, §13.3; Hesterberg 2015,
    /// "What teachers should know about the bootstrap", *Am. Stat.* 69:371–386).
    public static let inferentialMinimum = 5

    /// How ``ExperimentReport/Comparison/pValue`` is computed (stated in the report).
    public static let pValueMethod = "two-sided bootstrap p = 2·min(#{d* ≤ 0}+1, #{d* ≥ 0}+1)/(B+1), inverting the percentile interval (Efron & Tibshirani 1993 §16.4; Davison & Hinkley 1997 §4.2)"

    /// How p-values are adjusted (stated in the report).
    public static let multiplicityMethod = "Holm (1979) step-down, per metric, in two families: the grid's planned contrasts, and the remaining exploratory pairs; intervals are unadjusted"

    /// The fewest scored runs in any condition × topic cell of the grid (0 when a cell has none).
    public static func minimumRunsPerCell(runs: [ExperimentReport.Run], conditions: [String], topics: [String]) -> Int {
        var counts: [String: Int] = [:]
        for run in runs { counts[run.condition + "\u{0}" + run.topic, default: 0] += 1 }
        var fewest = Int.max
        for condition in conditions {
            for topic in topics { fewest = min(fewest, counts[condition + "\u{0}" + topic] ?? 0) }
        }
        return fewest == Int.max ? 0 : fewest
    }

    /// One metric's summaries and comparisons: per condition, pooled and per topic; the grid's
    /// planned contrasts first, then every other pair as exploratory, each family Holm-adjusted.
    /// - Parameters:
    ///   - topics: Topic ids in grid order, for the per-topic summaries.
    ///   - contrasts: The grid's planned contrasts.
    public static func table(
        metric: String, description: String, runs: [ExperimentReport.Run], conditions: [String], topics: [String],
        contrasts: [ExperimentGrid.Contrast], bootstrap: Bootstrap, seed: UInt64
    ) -> ExperimentReport.MetricTable {
        var values: [String: [Double]] = [:]
        var topicValues: [String: [String: [Double]]] = [:]
        for run in runs {
            if let value = run.metrics[metric] {
                values[run.condition, default: []].append(value)
                topicValues[run.topic, default: [:]][run.condition, default: []].append(value)
            }
        }
        // Seeds come from names, not positions, so any subset or order of runs draws the same resamples.
        func seedFor(_ labels: [String]) -> UInt64 {
            var generator = SeededGenerator(seed: seed, labels: [metric] + labels)
            return generator.next()
        }
        func summaries(_ values: [String: [Double]], labels: [String]) -> [ExperimentReport.ConditionSummary] {
            conditions.map { condition in
                let sample = values[condition] ?? []
                return ExperimentReport.ConditionSummary(
                    condition: condition, n: sample.count, mean: Statistics.mean(sample),
                    standardDeviation: Statistics.standardDeviation(sample),
                    interval: bootstrap.meanInterval(sample, seed: seedFor([condition] + labels)))
            }
        }
        func compare(_ first: String, _ second: String, kind: ExperimentReport.Comparison.Kind) -> ExperimentReport.Comparison {
            let a = values[first] ?? []
            let b = values[second] ?? []
            let difference = Statistics.mean(b).flatMap { mb in Statistics.mean(a).map { mb - $0 } }
            // Resample in grid order and flip the sign for a contrast written the other way round,
            // so both spellings draw the same resamples (and the pre-contrast reports' intervals).
            let reversed = (conditions.firstIndex(of: first) ?? 0) > (conditions.firstIndex(of: second) ?? 0)
            let test = reversed
                ? bootstrap.differenceTest(b, a, seed: seedFor([second, first])).map { (Interval(lower: -$0.interval.upper, upper: -$0.interval.lower), $0.p) }
                : bootstrap.differenceTest(a, b, seed: seedFor([first, second]))
            return ExperimentReport.Comparison(
                first: first, second: second, difference: difference, interval: test?.interval,
                hedgesG: Statistics.hedgesG(a, b), kind: kind, pValue: test?.p)
        }
        var planned = contrasts.map { compare($0.first, $0.second, kind: .planned) }
        var exploratory: [ExperimentReport.Comparison] = []
        for (i, first) in conditions.enumerated() {
            for second in conditions[(i + 1)...] where !contrasts.contains(where: { Set([$0.first, $0.second]) == Set([first, second]) }) {
                exploratory.append(compare(first, second, kind: .exploratory))
            }
        }
        func adjust(_ family: inout [ExperimentReport.Comparison]) {
            let tested = family.indices.filter { family[$0].pValue != nil }
            let adjusted = Statistics.holm(tested.compactMap { family[$0].pValue })
            for (index, p) in zip(tested, adjusted) { family[index].pHolm = p }
        }
        adjust(&planned)
        adjust(&exploratory)
        return ExperimentReport.MetricTable(
            metric: metric, description: description, conditions: summaries(values, labels: []),
            comparisons: planned + exploratory,
            topics: topics.map { topic in
                ExperimentReport.TopicSummary(topic: topic, conditions: summaries(topicValues[topic] ?? [:], labels: ["topic", topic]))
            })
    }
}
