import Foundation
import PolyphonyCore
import PolyphonyTranscript
import Testing
@testable import PolyphonyScoring

/// The steps `polyphony score` runs between reading its flags and writing its outputs.
@Suite struct ScoringPipelineTests {
    private static let topic = "How can a city stay cool in summer?"

    private func transcript(in scratch: ScratchDirectory) async throws -> String {
        try await scratch.writeTranscript(
            "run.jsonl", sessionId: "run-1", protocolName: "brainwriting", topic: Self.topic,
            participants: [("ava", .member), ("ben", .member)],
            ideas: [
                IdeaRecord(id: "i1", author: "ava", round: 1, text: "Plant shade trees along every bus stop"),
                IdeaRecord(id: "i2", author: "ben", round: 1, text: "Open public pools late at night"),
            ])
    }

    /// Scores the transcript against one reference pool written from `csv`.
    private func scoreAgainstPool(_ csv: String) async throws -> (pipeline: ScoringPipeline, inputs: ScoringPipeline.Inputs, report: ScoreReport) {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let inputs = ScoringPipeline.Inputs(transcripts: [try await transcript(in: scratch)], references: [try scratch.write("pool.csv", csv)])
        let pipeline = ScoringPipeline(analyzer: DiversityAnalyzer(), embedder: LexicalEmbedder())
        return (pipeline, inputs, try await pipeline.score(inputs))
    }

    @Test func poolRowsWithoutAPromptAnswerTheTranscriptsSharedTopic() async throws {
        let (pipeline, inputs, report) = try await scoreAgainstPool("text,author\nPlant shade trees along every bus stop,m1\nSell ice cream,m2\n")
        let shade = try #require(report.ideas.first { $0.text.hasPrefix("Plant shade") })
        #expect(shade.inReference == true)
        #expect(report.settings.referenceIdeas == 2)
        #expect(try pipeline.warnings(for: report, inputs: inputs).isEmpty)
    }

    @Test func aPoolThatAnswersNoScoredPromptIsWarnedAbout() async throws {
        let (pipeline, inputs, report) = try await scoreAgainstPool("text,author,prompt\nPlant shade trees along every bus stop,m1,Another question\n")
        #expect(report.overall.meanReferenceNovelty == nil)
        let warnings = try pipeline.warnings(for: report, inputs: inputs)
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("no reference-pool idea answers the prompt") == true)
    }

    @Test func withoutRatingsFilesTheReportHasNoHumanRatings() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let inputs = ScoringPipeline.Inputs(transcripts: [try await transcript(in: scratch)])
        let report = try await ScoringPipeline(analyzer: DiversityAnalyzer(), embedder: LexicalEmbedder()).score(inputs)
        #expect(report.humanRatings == nil)
        #expect(report.ideas.count == 2)
    }

    @Test func ratingsFilesAreReadWhenTheCallerHasNotReadThem() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let ratings = try scratch.write("ana.csv", "idea_id,source,rater,dimension,score,time\ni1,run-1,ana,novelty,7,t\ni2,run-1,ana,novelty,3,t\n")
        let inputs = ScoringPipeline.Inputs(transcripts: [try await transcript(in: scratch)], ratings: [ratings])
        let report = try await ScoringPipeline(analyzer: DiversityAnalyzer(), embedder: LexicalEmbedder()).score(inputs)
        let people = try #require(report.humanRatings)
        #expect(people.files == [ratings])
        #expect(people.raters == ["ana"])
    }
}
