import Foundation
import PolyphonyCore
@testable import PolyphonyScoring
import Testing

/// `score --ratings`: people's means per group, agreement among raters, and against the judge.
@Suite struct HumanRatingsReportTests {
    /// Four ideas in two groups, judged with novelty 2, 4, 6, 8.
    static func judgedReport() async throws -> ScoreReport {
        let ideas = ["Shade the bus stops", "Misting at tram stops", "Paint roofs white", "Open pools at night"].enumerated().map { index, text in
            InputIdea(id: "i\(index)", text: text, author: "a\(index)", kind: .agent, group: index < 2 ? "solo" : "team", source: "s1")
        }
        var report = try await DiversityAnalyzer().analyze(
            IdeaPool(ideas: ideas, source: IdeaSource(id: "s1", path: "s1.jsonl", kind: .transcript, group: "solo", ideaCount: 4)),
            embedder: LexicalEmbedder())
        report.quality = QualityReport(
            rubric: "default@1", judge: "fake", reviewsPerIdea: 1, dimensions: ["novelty"],
            ideas: (0..<4).map { QualityReport.IdeaQuality(index: $0, reviews: 1, failedReviews: 0, mean: ["novelty": Double(2 * $0 + 2)], spread: ["novelty": 0]) },
            byGroup: [], tournament: nil, firstFailure: nil)
        return report
    }

    static func rating(_ idea: Int, _ rater: String, _ score: Double, dimension: String = "novelty") -> Rating {
        Rating(ideaId: "i\(idea)", source: "s1", rater: rater, dimension: dimension, score: score, time: "t")
    }

    @Test func groupMeansAndSpreadsAreOverIdeasOfTheirRaterMeans() async throws {
        let report = try await Self.judgedReport()
        // ana 1, 3, 5, 7; ben 3, 5, 7, 9: per idea means 2, 4, 6, 8, spread 1 each.
        let ratings = (0..<4).flatMap { [Self.rating($0, "ana", Double(2 * $0 + 1)), Self.rating($0, "ben", Double(2 * $0 + 3))] }
        let human = HumanRatingsReport(report: report, ratings: ratings, files: ["r.csv"], resamples: 200)
        #expect(human.raters == ["ana", "ben"] && human.ratings == 8 && human.unmatchedRatings == 0)
        #expect(human.byGroup.map(\.group) == ["solo", "team"])
        #expect(human.byGroup[0].mean["novelty"] == 3 && human.byGroup[1].mean["novelty"] == 7)
        #expect(human.byGroup[0].meanSpread["novelty"] == 1)
        let agreement = try #require(human.agreement.first)
        #expect(agreement.judgeSpearman?.value == 1 && agreement.judgeSpearman?.ideas == 4)
        #expect(agreement.judgeAlpha?.value == 1, "the judge's means equal the raters' means")
        // Raters offset by 2: units (1,3), (3,5), (5,7), (7,9). D_o = (1/8)·4·(2·4) = 4;
        // D_e = Σ over ordered pairs of all 8 values / (8·7) = 2·8·48 / 56 = 96/7; α = 1 − 28/96 = 17/24.
        let expected = Agreement.krippendorffAlphaInterval([[1, 3], [3, 5], [5, 7], [7, 9]])
        #expect(abs((expected ?? 0) - 17.0 / 24) < 1e-12)
        #expect(agreement.ratersAlpha?.value == expected && agreement.ratersAlpha?.ideas == 4)
        let lower = try #require(agreement.ratersAlpha?.lower), upper = try #require(agreement.ratersAlpha?.upper)
        let value = try #require(expected)
        #expect(lower <= value + 1e-12 && value <= upper + 1e-12)
    }

    @Test func ratingsOfUnknownIdeasAreCountedAndLeftOut() async throws {
        let report = try await Self.judgedReport()
        let stray = Rating(ideaId: "i0", source: "another-session", rater: "ana", dimension: "novelty", score: 5, time: "t")
        let human = HumanRatingsReport(report: report, ratings: [Self.rating(0, "ana", 4), stray], files: ["r.csv"], resamples: 50)
        #expect(human.ratings == 1 && human.unmatchedRatings == 1)
        #expect(human.warnings.count == 1)
    }

    @Test func skipsAreLeftOutOfMeansAndCountsUnlessAScoreReplacedThem() async throws {
        let report = try await Self.judgedReport()
        let skip = { (idea: Int, rater: String) in Rating(ideaId: "i\(idea)", source: "s1", rater: rater, dimension: "novelty", score: nil, time: "t") }
        // ana skips idea 1 for good; ben skips idea 0, then goes back and rates it 6.
        let ratings = [Self.rating(0, "ana", 2), skip(1, "ana"), skip(0, "ben"), Self.rating(0, "ben", 6)]
        let human = HumanRatingsReport(report: report, ratings: ratings, files: ["r.csv"], resamples: 50)
        #expect(human.ratings == 2 && human.unmatchedRatings == 0)
        #expect(human.ideas.map(\.index) == [0], "an idea with only a skip is not rated")
        #expect(human.ideas.first?.mean["novelty"] == 4)
    }

    @Test func textReportShowsAgreementWithRatingsAndSaysItIsUnknownWithout() async throws {
        var report = try await Self.judgedReport()
        #expect(report.renderText().contains("Judge–human agreement: unknown until ratings are given"))
        report.humanRatings = HumanRatingsReport(report: report, ratings: (0..<4).map { Self.rating($0, "ana", Double($0)) }, files: ["r.csv"], resamples: 50)
        let text = report.renderText()
        #expect(text.contains("Human ratings (4 ratings by 1 rater on 4 ideas)"))
        #expect(text.contains("ρ judge–human") && !text.contains("unknown until"))
        let html = report.renderHTML()
        #expect(html.contains("novelty: judge vs people") && html.contains(">judge mean<") && html.contains(">raters&#39; mean<") || html.contains(">raters' mean<"))
    }

    @Test func aJudgedAndRatedReportDrawsPerRoundJudgeAndPeopleChartsAndEveryChartHasAxisTitles() async throws {
        var report = try await Self.judgedReport()
        for index in report.ideas.indices {
            report.ideas[index].round = 1 + index % 2
            report.ideas[index].quality = ["novelty": Double(2 * index + 2)]
        }
        report.humanRatings = HumanRatingsReport(report: report, ratings: (0..<4).map { Self.rating($0, "ana", Double($0 + 3)) }, files: ["r.csv"], resamples: 50)
        #expect(report.roundMeasures().map(\.title) == ["New-idea yield", "Judge score", "People's rating"])
        let judge = report.roundEstimates(report.roundMeasures()[1])
        // solo: ideas 0 (round 1, novelty 2) and 1 (round 2, novelty 4); team: 2 (round 1, 6) and 3 (round 2, 8).
        #expect(judge.map(\.mean) == [2, 4, 6, 8] && judge.allSatisfy { $0.lower == $0.mean && $0.upper == $0.mean && $0.n == 1 })
        let charts = report.renderHTML().components(separatedBy: "<svg").dropFirst().map { $0.components(separatedBy: "</svg>")[0] }
        #expect(charts.count >= 8)
        for chart in charts {
            #expect(chart.components(separatedBy: "class=\"axis-title\"").count - 1 == 2, "\(chart.prefix(160))")
        }
    }
}
