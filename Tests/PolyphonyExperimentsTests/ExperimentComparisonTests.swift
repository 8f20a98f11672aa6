@testable import PolyphonyExperiments
import Testing

/// How `experiment analyze` lays out one metric: planned contrasts first, Holm within each
/// family, per-topic summaries beside the pooled ones, and the descriptive label.
@Suite struct ExperimentComparisonTests {
    /// Three conditions on two topics, `count` seeds each; `experts` scores clearly higher.
    static func runs(seeds count: Int) -> [ExperimentReport.Run] {
        var runs: [ExperimentReport.Run] = []
        for (condition, base) in [("controls", 1.0), ("experts", 5.0), ("solo", 1.5)] {
            for topic in ["t1", "t2"] {
                for seed in 1...count {
                    let value = base + (topic == "t2" ? 1 : 0) + Double(seed % 3) * 0.1
                    runs.append(.init(id: "\(condition)__\(topic)__s\(seed)", condition: condition, topic: topic, seed: UInt64(seed), metrics: ["vendi": value]))
                }
            }
        }
        return runs
    }

    static func table(seeds: Int = 6) -> ExperimentReport.MetricTable {
        ExperimentAnalyzer.table(
            metric: "vendi", description: "Vendi score", runs: runs(seeds: seeds), conditions: ["controls", "experts", "solo"],
            topics: ["t1", "t2"], contrasts: [ExperimentGrid.Contrast(first: "solo", second: "experts")],
            bootstrap: Bootstrap(resamples: 999), seed: 1)
    }

    @Test func plannedContrastsComeFirstAsWrittenAndTheOtherPairsAreExploratory() throws {
        let comparisons = Self.table().comparisons
        #expect(comparisons.map(\.kind) == [.planned, .exploratory, .exploratory])
        #expect(comparisons.map { "\($0.second)-\($0.first)" } == ["experts-solo", "experts-controls", "solo-controls"])
        let planned = try #require(comparisons.first)
        // A family of one is not adjusted; a clear difference gets the smallest p the resamples allow.
        #expect(planned.pValue == 2.0 / 1000 && planned.pHolm == planned.pValue)
        #expect(comparisons.allSatisfy { ($0.pHolm ?? -1) >= ($0.pValue ?? 2) })
    }

    @Test func aContrastWrittenEitherWayRoundGivesTheMirroredIntervalAndTheSameP() throws {
        func planned(_ first: String, _ second: String) throws -> ExperimentReport.Comparison {
            try #require(ExperimentAnalyzer.table(
                metric: "vendi", description: "", runs: Self.runs(seeds: 3), conditions: ["controls", "experts", "solo"],
                topics: ["t1", "t2"], contrasts: [ExperimentGrid.Contrast(first: first, second: second)],
                bootstrap: Bootstrap(resamples: 999), seed: 1).comparisons.first)
        }
        let forward = try planned("controls", "solo")
        let backward = try planned("solo", "controls")
        let interval = try #require(forward.interval)
        #expect(backward.interval == Interval(lower: -interval.upper, upper: -interval.lower))
        #expect(backward.pValue == forward.pValue)
    }

    @Test func eachTopicHasItsOwnConditionSummariesBesideThePooledOnes() throws {
        let table = Self.table()
        let topics = try #require(table.topics)
        #expect(topics.map(\.topic) == ["t1", "t2"])
        #expect(topics.allSatisfy { $0.conditions.map(\.n) == [6, 6, 6] })
        #expect(table.conditions.map(\.n) == [12, 12, 12])
        let pooled = try #require(table.conditions[1].mean)
        let perTopic = topics.compactMap { $0.conditions[1].mean }
        #expect(abs(pooled - (perTopic[0] + perTopic[1]) / 2) < 1e-12)
        #expect(topics[1].conditions[1].interval != nil)
    }

    @Test(arguments: [(4, true), (5, false)])
    func aGridWithFewerThanFiveRunsPerCellIsLabelledDescriptive(seeds: Int, descriptive: Bool) {
        let fewest = ExperimentAnalyzer.minimumRunsPerCell(runs: Self.runs(seeds: seeds), conditions: ["controls", "experts", "solo"], topics: ["t1", "t2"])
        #expect(fewest == seeds)
        #expect((fewest < ExperimentAnalyzer.inferentialMinimum) == descriptive)
    }

    @Test func aCellWithNoScoredRunCountsAsZero() {
        #expect(ExperimentAnalyzer.minimumRunsPerCell(runs: Self.runs(seeds: 6), conditions: ["controls", "new"], topics: ["t1"]) == 0)
    }

    @Test func theTextReportStatesTheMethodMarksFamiliesAndSaysWhenItIsDescriptive() {
        let report = ExperimentReport(
            schema: ExperimentReport.currentSchema, experiment: "study", gridDigest: "abc",
            settings: .init(embedder: "lexical", embedderIsSemantic: false, threshold: 0.8, seed: 1, bootstrapResamples: 999,
                            confidence: 0.95, interval: "percentile bootstrap", effectSize: "Hedges' g",
                            pValue: ExperimentAnalyzer.pValueMethod, multiplicity: ExperimentAnalyzer.multiplicityMethod,
                            minimumRunsPerCell: 3, inferentialMinimum: 5, descriptive: true),
            conditions: ["controls", "experts", "solo"], runs: Self.runs(seeds: 6), missing: [], metrics: [Self.table()])
        let text = report.renderText()
        #expect(text.contains("Holm (1979)"))
        #expect(text.contains("DESCRIPTIVE ONLY"))
        let planned = text.range(of: "planned contrasts:")
        let exploratory = text.range(of: "exploratory pairs:")
        #expect(planned != nil && exploratory != nil && planned!.lowerBound < exploratory!.lowerBound)
        #expect(text.contains("topic t2:"))
        #expect(text.contains("p_holm = "))
    }
}
