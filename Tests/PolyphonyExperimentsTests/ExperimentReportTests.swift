import Foundation
import PolyphonyCore
@testable import PolyphonyExperiments
import PolyphonyScoring
import Testing

@Suite struct ExperimentReportTests {
    static let report = ExperimentReport(
        schema: ExperimentReport.currentSchema, experiment: "study<1>", gridDigest: "abc",
        settings: .init(embedder: "lexical", embedderIsSemantic: false, threshold: 0.8, seed: 1, bootstrapResamples: 1000,
                        confidence: 0.95, interval: "percentile bootstrap", effectSize: "Hedges' g"),
        conditions: ["solo", "team"],
        runs: [
            .init(id: "solo__t1__s1", condition: "solo", topic: "t1", seed: 1, metrics: ["vendi": 2.5]),
            .init(id: "team__t1__s1", condition: "team", topic: "t1", seed: 1, metrics: ["vendi": 4.0, "between_participant_similarity": 0.3]),
        ],
        missing: ["team__t1__s2"],
        metrics: [
            .init(metric: "vendi", description: "Vendi score",
                  conditions: [
                      .init(condition: "solo", n: 1, mean: 2.5, standardDeviation: nil, interval: Interval(lower: 2.5, upper: 2.5)),
                      .init(condition: "team", n: 1, mean: 4.0, standardDeviation: nil, interval: Interval(lower: 4.0, upper: 4.0)),
                  ],
                  comparisons: [.init(first: "solo", second: "team", difference: 1.5, interval: Interval(lower: 1.5, upper: 1.5), hedgesG: nil)]),
        ])

    @Test func theTextReportShowsEachConditionsIntervalAndMarksDifferencesThatExcludeZero() {
        let text = Self.report.renderText()
        #expect(text.contains("[2.500, 2.500]"))
        #expect(text.contains("team − solo: 1.500 [1.500, 1.500], g = – *"))
        #expect(text.contains("1 missing"))
    }

    @Test func theCSVHasOneRowPerRunAndReportedMetric() {
        let rows = Self.report.runsCSV().split(separator: "\r\n")
        // between_participant_similarity is not among the report's metrics, so it is left out.
        #expect(rows == ["run,condition,topic,seed,metric,value", "solo__t1__s1,solo,t1,1,vendi,2.5", "team__t1__s1,team,t1,1,vendi,4.0"])
    }

    @Test func theHTMLReportEscapesNamesAndDrawsAnIntervalPlotPerMetric() {
        let html = Self.report.renderHTML()
        #expect(html.contains("Experiment study&lt;1&gt;"))
        #expect(!html.contains("study<1>"))
        #expect(html.components(separatedBy: "<svg").count == 2)
        #expect(html.contains("<strong>1.500</strong>"))
    }

    @Test func theHTMLReportHasAHeaderAndAxisTitlesOnEveryIntervalPlot() {
        let html = Self.report.renderHTML(generated: Date(timeIntervalSince1970: 0))
        #expect(html.contains("<header class=\"report-header\">"))
        for field in ["Topic", "Sources", "Embedder", "Threshold", "Date", "Polyphony"] {
            #expect(html.contains("<dd data-field=\"\(field)\">"), "header field \(field)")
        }
        let charts = html.components(separatedBy: "<svg").dropFirst().map { $0.components(separatedBy: "</svg>")[0] }
        #expect(!charts.isEmpty)
        for chart in charts {
            #expect(chart.hasPrefix(" class=\"chart\""))
            #expect(chart.components(separatedBy: "class=\"axis-title\"").count - 1 == 2)
        }
    }

    @Test(arguments: [(4.16, 6.09, [4.5, 5.0, 5.5, 6.0], 1), (0.69, 1.01, [0.7, 0.8, 0.9, 1.0], 1), (-3.0, 12.0, [0, 5, 10], 0)])
    func intervalPlotTicksFallOnRoundSteps(low: Double, high: Double, expected: [Double], digits: Int) {
        let (ticks, used) = ReportHTML.niceTicks(low, high)
        #expect(used == digits)
        #expect(ticks.count == expected.count)
        for (tick, value) in zip(ticks, expected) { #expect(abs(tick - value) < 1e-9) }
    }

    @Test func theJSONRoundTrips() throws {
        let decoded = try JSONOutput.makeDecoder().decode(ExperimentReport.self, from: try Self.report.jsonData())
        #expect(decoded == Self.report)
    }

    /// Three conditions over two topics with one planned contrast and two runs per cell.
    static let plannedReport: ExperimentReport = {
        var report = ExperimentReportTests.report
        report.conditions = ["solo", "team", "led"]
        report.settings.pValue = "two-sided bootstrap"
        report.settings.multiplicity = ExperimentAnalyzer.multiplicityMethod
        report.settings.minimumRunsPerCell = 2
        report.settings.inferentialMinimum = 5
        report.settings.descriptive = true
        let summary = { (condition: String, mean: Double) in
            ExperimentReport.ConditionSummary(condition: condition, n: 2, mean: mean, standardDeviation: 0.5, interval: Interval(lower: mean - 1, upper: mean + 1))
        }
        report.metrics = [.init(
            metric: "vendi", description: "Vendi score",
            conditions: [summary("solo", 2.5), summary("team", 4.0), summary("led", 3.0)],
            comparisons: [
                .init(first: "solo", second: "team", difference: 1.5, interval: Interval(lower: 0.5, upper: 2.5), hedgesG: 1.2, kind: .planned, pValue: 0.0123, pHolm: 0.0123),
                .init(first: "solo", second: "led", difference: 0.5, interval: Interval(lower: -0.5, upper: 1.5), hedgesG: 0.4, kind: .exploratory, pValue: 0.2, pHolm: 0.4),
                .init(first: "team", second: "led", difference: -1.0, interval: Interval(lower: -2, upper: 0.1), hedgesG: -0.8, kind: .exploratory, pValue: 0.06, pHolm: 0.12),
            ],
            topics: [
                .init(topic: "parks", conditions: [summary("solo", 2.0), summary("team", 3.5), summary("led", 2.75)]),
                .init(topic: "roofs", conditions: [summary("solo", 3.0), summary("team", 4.5), summary("led", 3.25)]),
            ])]
        return report
    }()

    @Test func theHTMLReportListsPlannedContrastsFirstWithBootstrapAndHolmPValues() {
        let html = Self.plannedReport.renderHTML()
        let rows = html.components(separatedBy: "<tr class=\"").dropFirst().map { String($0.prefix(while: { $0 != "\"" })) }
        #expect(rows == ["planned", "exploratory", "exploratory"])
        #expect(html.contains("<td><strong>0.012</strong></td><td><strong>0.012</strong></td>"), "p and Holm p of the planned contrast")
        #expect(html.contains("<td>0.200</td><td>0.400</td>"), "p and Holm p of an exploratory pair")
        #expect(html.contains("<th title=\"Holm (1979) step-down, per metric, in two families"))
        #expect(html.contains("Adjusted for multiplicity by Holm (1979) step-down, per metric, in two families"))
    }

    @Test func theHTMLReportSaysItIsDescriptiveWithFewerThanFiveRunsPerCell() {
        let html = Self.plannedReport.renderHTML()
        #expect(html.contains("<dd data-field=\"Inference\">descriptive (fewer than 5 runs per cell)</dd>"))
        #expect(html.contains("<p class=\"descriptive\"><strong>descriptive (fewer than 5 runs per cell)</strong>"))
        var enough = Self.plannedReport
        enough.settings.descriptive = false
        #expect(!enough.renderHTML().contains("descriptive (fewer than"))
    }

    @Test func theHTMLReportHasASortablePerTopicTable() {
        let html = Self.plannedReport.renderHTML()
        let table = html.components(separatedBy: "<table class=\"sortable per-topic\">").dropFirst().first ?? ""
        #expect(table.components(separatedBy: "</table>")[0].components(separatedBy: "<tr><td>").count - 1 == 6, "2 topics × 3 conditions")
        #expect(table.contains("<tr><td>roofs</td><td class=\"text\">led</td><td data-value=\"2\">2</td><td data-value=\"3.250000\">3.250</td>"))
        #expect(html.contains("<th data-sort=\"mean\" title=\"Vendi score\">mean</th>"), "the definition on hover")
    }
}
