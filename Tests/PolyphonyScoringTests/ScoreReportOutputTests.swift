import Foundation
import PolyphonyCore
import PolyphonyTranscript
import Testing
@testable import PolyphonyScoring

struct ScoreReportOutputTests {
    private func report(in scratch: ScratchDirectory) async throws -> (ScoreReport, String) {
        let (pool, transcript) = try await pool(in: scratch)
        return (try await DiversityAnalyzer().analyze(pool, embedder: LexicalEmbedder()), transcript)
    }

    private func pool(in scratch: ScratchDirectory) async throws -> (IdeaPool, String) {
        let transcript = try await scratch.writeTranscript(
            "run.jsonl", sessionId: "run-7", protocolName: "nominal", topic: "Cool a city",
            participants: [("ava", .member)],
            ideas: [
                IdeaRecord(id: "a", author: "ava", round: 1, text: "Trees, \"lots\" of trees"),
                IdeaRecord(id: "b", author: "ava", round: 2, text: "Fountains <in> squares\nwith benches"),
            ])
        let list = try scratch.write("people.jsonl", "{\"text\":\"White roofs & walls\",\"author\":\"kim\",\"round\":1}\n")
        let pool = try IdeaPool.load(transcripts: [transcript], ideaLists: [list])
        return (pool, transcript)
    }

    /// The lexical embedder under its own name, with a cache key that says more, as MiniLM's
    /// names its precision.
    private struct VariantEmbedder: Embedder {
        let cacheKey: String
        var name: String { LexicalEmbedder().name }
        var isSemantic: Bool { false }
        func embed(_ texts: [String]) async throws -> [[Float]] { try await LexicalEmbedder().embed(texts) }
    }

    @Test func anEmbedderWhoseVectorsDependOnMoreThanItsNameIsNamedInTheSettingsAndTheScoreFileName() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (pool, _) = try await pool(in: scratch)
        let plain = try await DiversityAnalyzer().analyze(pool, embedder: LexicalEmbedder())
        let bfloat16 = try await DiversityAnalyzer().analyze(pool, embedder: VariantEmbedder(cacheKey: "lexical-hash-384-bfloat16"))
        let float32 = try await DiversityAnalyzer().analyze(pool, embedder: VariantEmbedder(cacheKey: "lexical-hash-384-float32"))
        #expect(plain.settings.embedderVariant == nil)
        #expect(bfloat16.settings.embedderVariant == "lexical-hash-384-bfloat16")
        #expect(bfloat16.settings.embedder == plain.settings.embedder)
        #expect(Set([plain.settingsDigest, bfloat16.settingsDigest, float32.settingsDigest]).count == 3)
        let settings = { (report: ScoreReport) throws -> [String: Any]? in
            (try JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])?["settings"] as? [String: Any]
        }
        #expect(try settings(bfloat16)?["embedder_variant"] as? String == "lexical-hash-384-bfloat16")
        #expect(try settings(plain)?.keys.contains("embedder_variant") == false)
    }

    @Test func textSummaryLabelsLexicalNumbersAndShowsBothThresholds() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (report, _) = try await report(in: scratch)
        let text = report.renderText()
        #expect(text.contains("LEXICAL"))
        #expect(text.contains("unique@0.80"))
        #expect(text.contains("unique@0.80 (lit.)"))
        #expect(text.contains("nominal"))
        #expect(text.contains("people"))
        #expect(!text.contains("-0.000"))
    }

    @Test func textSummaryListsTheFirstFiftyParticipantsAndCountsTheRest() async throws {
        let ideas = (0..<60).map { InputIdea(id: "i\($0)", text: "idea \($0)", author: "p\($0)", kind: .human, group: "g", source: "s") }
        let pool = IdeaPool(ideas: ideas, source: IdeaSource(id: "s", path: "s", kind: .ideaList, group: "g", ideaCount: 60))
        let report = try await DiversityAnalyzer(floorPermutations: 1).analyze(
            pool, embeddings: EmbeddingMatrix.randomUnit(rows: 60, dimension: 8, seed: 2), promptVectors: [:],
            embedderName: "random", embedderIsSemantic: false)
        let lines = report.renderText().split(separator: "\n", omittingEmptySubsequences: false)
        let table = try #require(lines.firstIndex(of: "By participant"))
        #expect(lines[table + 2].hasPrefix("g/p0 "))
        #expect(lines[table + 51].hasPrefix("g/p49 "))
        #expect(lines[table + 52] == "… and 10 more participants (report.json lists every one)")
        #expect(!lines.contains { $0.hasPrefix("g/p50 ") })
    }

    @Test func ideasCSVParsesBackWithOneRowPerIdea() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (report, _) = try await report(in: scratch)
        let table = try CSVParser(file: "out.csv").table(Array(report.ideasCSV().utf8))
        #expect(table.records.count == 3)
        let text = try #require(table.column("text")), rarity = try #require(table.column("rarity"))
        #expect(table.records.map { $0.fields[text] } == ["Trees, \"lots\" of trees", "Fountains <in> squares\nwith benches", "White roofs & walls"])
        #expect(table.records.allSatisfy { $0.fields[rarity] == "1" })
    }

    @Test func jsonRoundTripsWithSnakeCaseKeysAndHasTheDocumentedTopLevelFields() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (report, _) = try await report(in: scratch)
        let data = try report.jsonData()
        #expect(try JSONOutput.makeDecoder().decode(ScoreReport.self, from: data) == report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["schema"] as? String == "polyphony.score/2")
        #expect(object["embedder_kind"] as? String == "lexical")
        for key in ["settings", "sources", "overall", "by_group", "by_round", "by_participant", "by_kind", "trajectory", "homogeneity", "contributions", "clusters", "ideas"] {
            #expect(object[key] != nil, "missing \(key)")
        }
    }

    @Test func scoresAreSavedBesideTheTranscriptUnderASettingsDigestAndTheTranscriptIsUntouched() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (report, transcript) = try await report(in: scratch)
        let before = try Data(contentsOf: URL(fileURLWithPath: transcript))
        let written = try report.saveBesideTranscripts()
        #expect(written == [transcript + ".scores/" + report.settingsDigest + ".json"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: transcript)) == before)
        var other = report
        other.settings.threshold = 0.7
        #expect(other.settingsDigest != report.settingsDigest)
    }

    @Test func htmlIsSelfContainedWithInlineChartsAndEscapedText() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (report, _) = try await report(in: scratch)
        let html = report.renderHTML()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("<script src") && !html.contains("<link"))
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(html.components(separatedBy: "<svg").count - 1 >= 5)
        #expect(html.contains("Fountains &lt;in&gt; squares"))
        #expect(html.contains("White roofs &amp; walls"))
        #expect(html.contains("lexical"))
    }

    @Test func htmlHeaderNamesTopicSourcesEmbedderThresholdDateAndVersion() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (report, _) = try await report(in: scratch)
        let html = report.renderHTML(generated: Date(timeIntervalSince1970: 0))
        #expect(html.contains("<header class=\"report-header\">"))
        for field in ["Sources", "Embedder", "Threshold", "Date", "Polyphony"] {
            #expect(html.contains("<dd data-field=\"\(field)\">"), "header field \(field)")
        }
        #expect(html.contains("1970-01-01T00:00:00Z"))
        #expect(html.contains("version \(ReportHTML.polyphonyVersion)"))
    }

    @Test func htmlIdeaTableHasASortableColumnPerFieldAndARowPerIdea() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (report, _) = try await report(in: scratch)
        let html = report.renderHTML()
        #expect(html.contains("<table id=\"ideas\" class=\"sortable\">"))
        #expect(html.contains("data-filter=\"ideas\""))
        for column in ["idea", "author", "kind", "group", "round", "cluster", "rarity"] {
            #expect(html.contains("<th data-sort=\"\(column)\">"), "column \(column)")
        }
        let table = html.components(separatedBy: "<table id=\"ideas\"")[1].components(separatedBy: "</table>")[0]
        #expect(table.components(separatedBy: "<tr>").count - 2 == report.ideas.count)
    }

    @Test func everyChartHasAnXAndAYAxisTitle() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (report, _) = try await report(in: scratch)
        let charts = report.renderHTML().components(separatedBy: "<svg").dropFirst().map { $0.components(separatedBy: "</svg>")[0] }
        #expect(charts.count >= 5)
        for chart in charts {
            #expect(chart.hasPrefix(" class=\"chart\""))
            #expect(chart.components(separatedBy: "class=\"axis-title\"").count - 1 == 2, "\(chart.prefix(200))")
        }
    }

    @Test func ideasOnOneSpotOfTheMapAreCountedAndPointsNameTheirCluster() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        var (report, _) = try await report(in: scratch)
        for index in report.ideas.indices.prefix(2) {
            report.ideas[index].mapX = 0.5
            report.ideas[index].mapY = 0.5
        }
        report.ideas[report.ideas.count - 1].mapX = 10
        let html = report.renderHTML()
        #expect(html.contains(">×2</text>"))
        #expect(html.components(separatedBy: "class=\"map-point\" data-cluster=").count - 1 == report.ideas.count)
    }

    @Test func summaryMetricsCarryTheirDefinitionOnHover() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (report, _) = try await report(in: scratch)
        let html = report.renderHTML()
        #expect(html.contains("<th title=\"Vendi score: the effective number"))
    }

    @Test func perRoundChartsShowEachGroupsMeanInsideItsBootstrapInterval() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (report, _) = try await report(in: scratch)
        let measure = try #require(report.roundMeasures().first)
        #expect(measure.title == "New-idea yield")
        let estimates = report.roundEstimates(measure)
        #expect(!estimates.isEmpty)
        for estimate in estimates {
            #expect(estimate.lower <= estimate.mean && estimate.mean <= estimate.upper, "\(estimate)")
            #expect(estimate.lower >= 0 && estimate.upper <= 1)
        }
        // The ideas that open a cluster per group and round are the trajectory's new clusters.
        let opening = ScoreReport.ideasOpeningAClusterForTheirGroup(report.ideas)
        for point in report.trajectory where point.round != nil {
            let count = report.ideas.filter { $0.group == point.group && $0.round == point.round && opening.contains($0.index) }.count
            #expect(count == point.newClusters, "\(point.group) round \(point.round ?? 0)")
        }
        let html = report.renderHTML()
        let charts = html.components(separatedBy: "data-kind=\"round-interval\"").dropFirst().map { $0.components(separatedBy: "</svg>")[0] }
        #expect(charts.count == report.roundMeasures().count)
        #expect(charts.allSatisfy { $0.contains("class=\"interval\"") && $0.components(separatedBy: "class=\"axis-title\"").count == 3 })
        #expect(charts.first?.contains("<title>Share of a round&#39;s ideas that open a cluster") == true, "the definition shows on hover")
    }

    @Test func aBootstrapIntervalOfAKnownSampleCoversItsMean() {
        // Four ideas, three of them new: mean 0.75; a resample mean can only be k/4.
        let sample = [1.0, 0, 1, 1]
        let interval = Agreement.bootstrapInterval(count: 4, resamples: 1_000, seed: 3) { $0.reduce(0) { $0 + sample[$1] } / 4 }
        #expect(interval.map { $0.lower <= 0.75 && 0.75 <= $0.upper && $0.lower >= 0.25 && $0.upper <= 1 } == true, "\(String(describing: interval))")
    }

    @Test func aChartTitleTooLongForItsChartIsSqueezedToFitAndShowsItsDefinitionOnHover() {
        let long = ReportHTML.chartTitle(String(repeating: "originality ", count: 6), x: 36, available: 292, definition: "what it means")
        #expect(long.contains("textLength=\"292\"") && long.contains("<title>what it means</title>"))
        let short = ReportHTML.chartTitle("Vendi score", x: 36, available: 292)
        #expect(!short.contains("textLength") && !short.contains("<title>"))
    }

    @Test func wideTablesScrollInTheirOwnBoxInsteadOfWideningThePage() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (report, _) = try await report(in: scratch)
        let html = report.renderHTML()
        #expect(html.contains("<div class=\"wide\"><table id=\"ideas\""))
        #expect(html.contains("<h2>Groups side by side</h2>\n<div class=\"wide\"><table>"))
        #expect(ReportHTML.style.contains(".wide{overflow-x:auto"))
    }
}
