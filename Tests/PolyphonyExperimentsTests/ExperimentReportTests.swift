import Foundation
import PolyphonyCore
@testable import PolyphonyExperiments
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
        let (ticks, used) = ExperimentReport.niceTicks(low, high)
        #expect(used == digits)
        #expect(ticks.count == expected.count)
        for (tick, value) in zip(ticks, expected) { #expect(abs(tick - value) < 1e-9) }
    }

    @Test func theJSONRoundTrips() throws {
        let decoded = try JSONOutput.makeDecoder().decode(ExperimentReport.self, from: try Self.report.jsonData())
        #expect(decoded == Self.report)
    }
}
