import Foundation
import PolyphonyCore
import PolyphonyScoring
import Testing

/// A scripted rater: numbers rate, `s` skips, `b` goes back, `q` quits, and a second run
/// resumes without showing a rated idea again.
@Suite struct RatingSessionTests {
    static let ideas = (1...4).map { n in
        InputIdea(id: "i\(n)", text: "Idea text number \(n)", author: "secret-author-\(n)", kind: .agent, group: "secret-group", prompt: "Cool streets", source: "secret-session")
    }

    static var rubric: Rubric {
        var rubric = Rubric.standard
        rubric.dimensions = Array(rubric.dimensions.prefix(2))
        return rubric
    }

    /// Runs a session over `lines`, returning the outcome and the screen.
    static func run(_ lines: [String], log: RatingsLog, rater: String = "ana") throws -> (RatingSession.Outcome, String) {
        var remaining = lines[...]
        var screen = ""
        let session = RatingSession(rater: rater, rubric: rubric, ideas: ideas, log: log, now: { Date(timeIntervalSince1970: 0) })
        let outcome = try session.run(input: { remaining.popFirst() }, output: { screen += $0 })
        return (outcome, screen)
    }

    @Test func quittingAndRunningAgainRatesEveryIdeaOnceWithoutShowingRatedIdeasAgain() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let log = RatingsLog(path: scratch.path + "/ratings.csv")
        let (first, _) = try Self.run(["7", "5", "3", "q"], log: log)
        #expect(first.rated == 1 && first.quit && first.remaining == 3)
        let (second, secondScreen) = try Self.run(["1", "2", "3", "4", "5", "6"], log: log)
        #expect(second.ratedBefore == 1 && second.rated == 3 && second.remaining == 0)
        let ratedFirst = try #require(try log.existing().first?.ideaId)
        #expect(!secondScreen.contains(Self.ideas.first { $0.id == ratedFirst }!.text), "a rated idea is not asked again")
        let ratings = try log.existing()
        #expect(ratings.count == 4 * 2)
        #expect(Set(ratings.map(\.ideaId)) == ["i1", "i2", "i3", "i4"])
        #expect(ratings.allSatisfy { $0.time == "1970-01-01T00:00:00Z" && $0.rater == "ana" })
    }

    @Test func backReplacesTheLastScoreAndASkipIsSavedAsEmptyScores() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let log = RatingsLog(path: scratch.path + "/ratings.csv")
        // Idea 1: 2, back, 9, 4. Idea 2: skipped. Then quit.
        let (outcome, screen) = try Self.run(["2", "b", "9", "4", "s", "q"], log: log)
        #expect(outcome.rated == 1 && outcome.skipped == 1 && outcome.remaining == 2)
        let ratings = try log.existing()
        #expect(ratings.map(\.score) == [9, 4, nil, nil], "one skip row per dimension")
        #expect(ratings[2].ideaId == ratings[3].ideaId && ratings[2].ideaId != ratings[0].ideaId)
        #expect(screen.contains("skipped."))
    }

    @Test func aSkippedIdeaIsNotAskedAgainOnResumeUnlessRetrySkippedIsSet() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let log = RatingsLog(path: scratch.path + "/ratings.csv")
        let (_, firstScreen) = try Self.run(["s", "q"], log: log)
        let skipped = try #require(try log.existing().first?.ideaId)
        let text = Self.ideas.first { $0.id == skipped }!.text
        #expect(firstScreen.contains(text))
        let (second, secondScreen) = try Self.run(Array(repeating: "5", count: 6), log: log)
        #expect(second.ratedBefore == 1 && second.skippedBefore == 1 && second.rated == 3 && second.remaining == 0)
        #expect(!secondScreen.contains(text), "a skipped idea is not asked again")
        #expect(secondScreen.contains("(0 rated and 1 skipped before, not shown again)"))
        #expect(secondScreen.contains("Every idea is rated or skipped (1 skipped"))
        var retry = RatingSession(rater: "ana", rubric: Self.rubric, ideas: Self.ideas, log: log)
        retry.retrySkipped = true
        var answers = ["3", "4"][...]
        var retryScreen = ""
        let third = try retry.run(input: { answers.popFirst() }, output: { retryScreen += $0 })
        #expect(third.rated == 1 && third.remaining == 0)
        #expect(retryScreen.contains(text))
        let latest = RatingsFile.latest(try log.existing()).filter { $0.ideaId == skipped }
        #expect(latest.map(\.score) == [3, 4], "the later scores replace the skip")
    }

    @Test func goingBackToASkippedIdeaAndRatingItUndoesTheSkip() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let log = RatingsLog(path: scratch.path + "/ratings.csv")
        // Idea 1: skipped; idea 2 is on screen; back to idea 1 and rate it; quit.
        let (outcome, _) = try Self.run(["s", "b", "6", "7", "q"], log: log)
        #expect(outcome.rated == 1 && outcome.skipped == 0 && outcome.remaining == 3)
        let rows = try log.existing()
        #expect(rows.map(\.score) == [nil, nil, 6, 7], "the skip stays in the file, the scores after it")
        #expect(RatingsFile.latest(rows).map(\.score) == [6, 7])
    }

    @Test func skippingAnIdeaRatedInThisRunKeepsItsScores() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let log = RatingsLog(path: scratch.path + "/ratings.csv")
        let (outcome, _) = try Self.run(["6", "7", "b", "s", "q"], log: log)
        #expect(outcome.rated == 1 && outcome.skipped == 0)
        #expect(try log.existing().map(\.score) == [6, 7])
    }

    @Test func backAtTheStartOfAnIdeaReturnsToThePreviousIdeaAndItsNewScoresWin() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let log = RatingsLog(path: scratch.path + "/ratings.csv")
        let (outcome, _) = try Self.run(["1", "1", "b", "8", "8", "q"], log: log)
        #expect(outcome.rated == 1)
        let latest = RatingsFile.latest(try log.existing())
        #expect(latest.map(\.score) == [8, 8], "the re-rating replaces the first")
        #expect(try log.existing().count == 4, "the first rating is kept in the file")
    }

    @Test func anOutOfScaleAnswerIsAskedAgainAndNothingIsSaved() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let log = RatingsLog(path: scratch.path + "/ratings.csv")
        let (outcome, screen) = try Self.run(["11", "seven"], log: log)
        #expect(outcome.rated == 0 && outcome.quit)
        #expect(screen.contains("Type a whole number from 1 to 10"))
        #expect(!FileManager.default.fileExists(atPath: log.path))
    }

    @Test func ideasWithTheSameSourceAndIdAreRefusedBecauseTheirRatingsWouldMix() {
        let twin = InputIdea(id: "i1", text: "Another list's first row", author: "x", kind: .human, group: "g", source: "secret-session")
        #expect(throws: PolyphonyError.invalidInput) { try RatingSession.refuseAmbiguous(Self.ideas + [twin]) }
        #expect(throws: Never.self) { try RatingSession.refuseAmbiguous(Self.ideas) }
    }

    @Test func theScreenShowsTopicAndTextButNeverAuthorGroupOrSource() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (_, screen) = try Self.run(Array(repeating: "5", count: 8), log: RatingsLog(path: scratch.path + "/ratings.csv"))
        #expect(screen.contains("Cool streets") && screen.contains("Idea text number 3"))
        #expect(!screen.contains("secret"))
    }
}
