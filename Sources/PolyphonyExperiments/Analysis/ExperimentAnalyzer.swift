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
            analyzer.reference = try IdeaPool.load(transcripts: [], ideaLists: paths)
            analyzer.referencePaths = scoring.reference
            analyzer.referenceNovelty = ReferenceNovelty(product: referenceProduct)
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
        let tables = ((scoring.metrics ?? defaults) + (quality?.metricNames ?? [])).map { metric in
            table(metric: metric, runs: runs, conditions: conditions, bootstrap: bootstrap, seed: scoring.seed)
        }
        return ExperimentReport(
            schema: ExperimentReport.currentSchema, experiment: experiment.manifest.name,
            gridDigest: experiment.manifest.gridDigest,
            settings: ExperimentReport.Settings(
                embedder: embedder.name, embedderIsSemantic: embedder.isSemantic,
                threshold: Double(shortestDecimal: analyzer.threshold), seed: scoring.seed, bootstrapResamples: bootstrap.resamples,
                confidence: bootstrap.confidence, interval: "percentile bootstrap",
                effectSize: "Hedges' g (pooled SD, small-sample correction)"),
            conditions: conditions, runs: runs, missing: missing, metrics: tables)
    }

    private func table(metric: String, runs: [ExperimentReport.Run], conditions: [String], bootstrap: Bootstrap, seed: UInt64) -> ExperimentReport.MetricTable {
        var values: [String: [Double]] = [:]
        for run in runs {
            if let value = run.metrics[metric] { values[run.condition, default: []].append(value) }
        }
        // Seeds come from names, not positions, so any subset or order of runs draws the same resamples.
        func seedFor(_ labels: [String]) -> UInt64 {
            var generator = SeededGenerator(seed: seed, labels: [metric] + labels)
            return generator.next()
        }
        let summaries = conditions.map { condition in
            let sample = values[condition] ?? []
            return ExperimentReport.ConditionSummary(
                condition: condition, n: sample.count, mean: Statistics.mean(sample),
                standardDeviation: Statistics.standardDeviation(sample),
                interval: bootstrap.meanInterval(sample, seed: seedFor([condition])))
        }
        var comparisons: [ExperimentReport.Comparison] = []
        for (i, first) in conditions.enumerated() {
            for second in conditions[(i + 1)...] {
                let a = values[first] ?? []
                let b = values[second] ?? []
                let difference = Statistics.mean(b).flatMap { mb in Statistics.mean(a).map { mb - $0 } }
                comparisons.append(ExperimentReport.Comparison(
                    first: first, second: second, difference: difference,
                    interval: bootstrap.differenceInterval(a, b, seed: seedFor([first, second])),
                    hedgesG: Statistics.hedgesG(a, b)))
            }
        }
        return ExperimentReport.MetricTable(
            metric: metric, description: RunMetrics.descriptions[metric] ?? quality?.descriptions[metric] ?? metric,
            conditions: summaries, comparisons: comparisons)
    }
}
