import Foundation
import PolyphonyCore
import Synchronization
import Testing
@testable import PolyphonyScoring

/// A chat backend whose answers come from a closure over the request, so concurrent calls stay deterministic.
final class ClosureBackend: ChatBackend {
    let answer: @Sendable (ChatRequest) -> String
    let requests = Mutex<[ChatRequest]>([])
    init(_ answer: @escaping @Sendable (ChatRequest) -> String) { self.answer = answer }
    var name: String { "closure" }
    var defaultModel: String { "m" }
    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        requests.withLock { $0.append(request) }
        return ChatResponse(text: answer(request))
    }
}

struct QualityJudgeTests {
    private static func scores(_ value: Int) -> String {
        "{\"novelty\": \(value), \"feasibility\": 5, \"specificity\": 5, \"impact\": 5, \"coherence\": 9, \"rationale\": \"ok\"}"
    }

    @Test func shippedRubricFileMatchesTheBuiltInDefault() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try Rubric.load(path: root.appendingPathComponent("rubrics/default.json").path)
        #expect(file == Rubric.standard)
        #expect(file.dimensionIDs == ["novelty", "feasibility", "specificity", "impact", "coherence"])
        #expect(file.dimensions.allSatisfy { $0.anchors.count >= 3 })
        #expect(file.scale.min == 1 && file.scale.max == 10)
    }

    @Test func theAnswerSchemaBoundsTheRationaleSoAGrammarBoundJudgeCannotRambleOutOfItsTokens() throws {
        let schema = Rubric.standard.answerSchema()
        guard case .object(let root) = schema, case .object(let properties)? = root["properties"],
              case .object(let rationale)? = properties["rationale"] else {
            Issue.record("no rationale property in \(schema)")
            return
        }
        // 300 characters are about 75 tokens: the scores and a whole rationale fit the judge's 300 tokens.
        #expect(rationale["maxLength"] == .number(300))
    }

    @Test func rubricAnchorOffTheScaleIsRejected() {
        let json = #"{"name":"x","version":1,"scale":{"min":1,"max":5},"instructions":"i","dimensions":[{"id":"a","question":"q","anchors":{"9":"too high"}}]}"#
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try Rubric(json: Data(json.utf8), file: "r.json")
        }
        #expect(error?.file == "r.json")
    }

    @Test func reviewsAreBlindAndAggregateToMeanAndSpread() async throws {
        // Review k answers novelty 3, 5, 7 by its seed: mean 5, population spread √(8/3).
        let backend = ClosureBackend { request in
            let review = Int((request.seed ?? 1) / 1000)
            return Self.scores(3 + 2 * review)
        }
        let ideas = [
            InputIdea(id: "1", text: "Misting fountains", author: "secret-persona", kind: .agent, round: 1, group: "leader-heavy", prompt: "Cool a city", source: "s"),
        ]
        let pool = IdeaPool(ideas: ideas, source: IdeaSource(id: "s", path: "s", kind: .ideaList, group: "leader-heavy", ideaCount: 1))
        let report = try await DiversityAnalyzer().analyze(pool, embedder: LexicalEmbedder())
        let judged = try await QualityJudge(backend: backend).judge(report)
        let quality = try #require(judged.quality)
        #expect(quality.ideas[0].reviews == 3)
        #expect(quality.ideas[0].mean["novelty"] == 5)
        #expect(abs((quality.ideas[0].spread["novelty"] ?? 0) - (8.0 / 3.0).squareRoot()) < 1e-12)
        #expect(quality.ideas[0].spread["coherence"] == 0)
        #expect(judged.ideas[0].quality?["novelty"] == 5)
        #expect(quality.byGroup.map(\.group) == ["leader-heavy"])
        let sent = backend.requests.withLock { $0 }.flatMap(\.messages).map(\.content).joined(separator: "\n")
        #expect(sent.contains("Cool a city"))
        #expect(sent.contains("Misting fountains"))
        #expect(!sent.contains("secret-persona"))
        #expect(!sent.contains("leader-heavy"))
    }

    @Test func junkAnswersAreRetriedThenCountedAsFailedReviews() async throws {
        let calls = Mutex(0)
        let backend = ClosureBackend { request in
            calls.withLock { $0 += 1 }
            // The first review gets junk once, then a valid answer; the others only ever off-scale scores.
            if request.seed == 1 { return "Sure! Here you go." }
            if request.seed == 2 { return Self.scores(8) }
            return Self.scores(11)
        }
        let quality = try await QualityJudge(backend: backend, reviews: 3, attemptsPerReview: 2, concurrency: 1)
            .judge([(topic: "t", text: "idea")], groups: ["g"])
        #expect(quality.ideas[0].reviews == 1)
        #expect(quality.ideas[0].failedReviews == 2)
        #expect(quality.ideas[0].mean["novelty"] == 8)
        #expect(calls.withLock { $0 } == 2 + 2 + 2)
    }

    @Test func tournamentCountsOnlyOrderConsistentWinsAndReportsTopShares() async throws {
        // The judge prefers ideas that mention "strong", whichever position they are in.
        let fair = ClosureBackend { request in
            let text = request.messages.last?.content ?? ""
            let a = text.range(of: "Idea A:")!, b = text.range(of: "Idea B:")!
            let first = String(text[a.upperBound..<b.lowerBound])
            return first.contains("strong") ? "{\"better\": \"A\"}" : "{\"better\": \"B\"}"
        }
        let items: [(topic: String?, text: String)] = (0..<8).map { (topic: "t", text: $0 < 2 ? "strong idea \($0)" : "weak idea \($0)") }
        let groups = (0..<8).map { $0 < 2 ? "experts" : "novices" }
        let result = try await SwissTournament(top: 2).run(items, groups: groups, backend: fair)
        #expect(result.rounds == 4)
        #expect(result.topShares.first { $0.group == "experts" }?.inTop == 2)
        #expect(result.topShares.first { $0.group == "experts" }?.shareOfIdeas == 0.25)

        // A judge that always picks the first position is inconsistent on every comparison.
        let biased = ClosureBackend { _ in "{\"better\": \"A\"}" }
        let tied = try await SwissTournament(rounds: 2).run(items, groups: groups, backend: biased)
        #expect(tied.inconsistentComparisons == tied.comparisons)
        #expect(tied.standings.allSatisfy { $0.points == 1 })
    }

    private static func twoIdeaPool() async throws -> ScoreReport {
        let ideas = ["Misting fountains", "Shade sails"].enumerated().map { index, text in
            InputIdea(id: "\(index)", text: text, author: "a", kind: .agent, round: 1, group: "g", prompt: "Cool a city", source: "s")
        }
        let pool = IdeaPool(ideas: ideas, source: IdeaSource(id: "s", path: "s", kind: .ideaList, group: "g", ideaCount: 2))
        return try await DiversityAnalyzer().analyze(pool, embedder: LexicalEmbedder())
    }

    @Test func aJudgeWhoseEveryReviewFailsIsAnErrorWithTheFirstAnswer() async throws {
        let backend = ClosureBackend { _ in "I would rate this idea highly!" }
        let judged = try await QualityJudge(backend: backend, reviews: 2).judge(try await Self.twoIdeaPool())
        let quality = try #require(judged.quality)
        #expect(quality.reviewCounts.scored == 0)
        #expect(quality.reviewCounts.failed == 4)
        let error = #expect(throws: PolyphonyError.backend) { try quality.checkReviews() }
        #expect(error?.isBackendFailure == true)
        #expect(error?.description.contains("I would rate this idea highly!") == true)
    }

    @Test func someFailedReviewsAreAWarningWithTheirCount() async throws {
        // Misting fountains always fails; Shade sails always scores.
        let backend = ClosureBackend { request in
            request.messages.last?.content.contains("Misting") == true ? "no" : Self.scores(6)
        }
        let judged = try await QualityJudge(backend: backend, reviews: 2).judge(try await Self.twoIdeaPool())
        let warning = try judged.quality?.checkReviews()
        #expect(warning?.hasPrefix("2 of 4 judge reviews failed") == true)
    }

    @Test func noFailedReviewIsNoWarning() async throws {
        let backend = ClosureBackend { _ in Self.scores(6) }
        let judged = try await QualityJudge(backend: backend, reviews: 1).judge(try await Self.twoIdeaPool())
        #expect(try judged.quality?.checkReviews() == nil)
    }
}
