import Foundation
import PolyphonyCore
import PolyphonyScoring
import Testing

/// The ratings file: RFC 4180 rows that survive a round trip, malformed lines named by file
/// and line, and the later of two ratings winning.
@Suite struct RatingsFileTests {
    @Test func ratingsWithCommasAndQuotesSurviveAppendAndRead() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let log = RatingsLog(path: scratch.path + "/r.csv")
        let first = Rating(ideaId: "row-2", source: "people, \"final\".csv", rater: "ana", dimension: "novelty", score: 7, time: "2026-01-01T00:00:00Z")
        let second = Rating(ideaId: "i-9", source: "s1", rater: "ana", dimension: "impact", score: 3, time: "2026-01-01T00:00:01Z")
        try log.append([first])
        try log.append([second])
        #expect(try log.existing() == [first, second])
        let text = try String(contentsOfFile: log.path, encoding: .utf8)
        #expect(text.hasPrefix("idea_id,source,rater,dimension,score,time\r\n"))
        #expect(text.components(separatedBy: "idea_id").count == 2, "one header")
    }

    @Test func aMalformedScoreIsAnErrorNamingFileAndLine() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write("bad.csv", "idea_id,source,rater,dimension,score,time\ni1,s1,ana,novelty,7,t\ni2,s1,ana,novelty,seven,t\n")
        do {
            _ = try RatingsFile.read(path: path)
            Issue.record("a malformed line was accepted")
        } catch let error as PolyphonyError {
            #expect(error.isInvalidInput)
            #expect(error.file == path && error.line == 3)
        }
    }

    @Test func anEmptyScoreReadsAsASkipAndIsWrittenBackEmpty() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        // A file from before skips were recorded, then one skip row added to it.
        let path = try scratch.write("old.csv", "idea_id,source,rater,dimension,score,time\r\ni1,s1,ana,novelty,7,t\r\n")
        let skip = Rating(ideaId: "i2", source: "s1", rater: "ana", dimension: "novelty", score: nil, time: "t2")
        try RatingsLog(path: path).append([skip])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\r\ni2,s1,ana,novelty,,t2\r\n"))
        let rows = try RatingsFile.read(path: path)
        #expect(rows.map(\.score) == [7, nil])
        #expect(rows.map(\.isSkip) == [false, true])
    }

    @Test func aFileWithoutTheRatingsColumnsIsRefused() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write("ideas.csv", "text,author\nShade,ana\n")
        #expect(throws: PolyphonyError.invalidInput) { try RatingsFile.read(path: path) }
        #expect(throws: PolyphonyError.invalidInput) {
            try RatingsLog(path: path).append([Rating(ideaId: "i", source: "s", rater: "r", dimension: "d", score: 1, time: "t")])
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "text,author\nShade,ana\n", "a file that is not a ratings file is left alone")
    }

    @Test func theLaterRatingOfAnIdeaByTheSameRaterWins() {
        let early = Rating(ideaId: "i1", source: "s", rater: "ana", dimension: "novelty", score: 2, time: "t1")
        let other = Rating(ideaId: "i1", source: "s", rater: "ben", dimension: "novelty", score: 9, time: "t1")
        let late = Rating(ideaId: "i1", source: "s", rater: "ana", dimension: "novelty", score: 6, time: "t2")
        #expect(RatingsFile.latest([early, other, late]) == [late, other])
    }

    @Test func twoRatersSavingIntoOneFileAtOnceKeepEveryRow() async throws {
        let folder = NSTemporaryDirectory() + "polyphony-ratings-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let log = RatingsLog(path: folder + "/ratings.csv")
        await withTaskGroup(of: Void.self) { group in
            for rater in ["ana", "ben"] {
                group.addTask {
                    for index in 0..<40 {
                        let rating = Rating(ideaId: "i\(index)", source: "s", rater: rater, dimension: "novelty", score: 5, time: "t")
                        try? log.append([rating])
                    }
                }
            }
        }
        let saved = try log.existing()
        #expect(saved.filter { $0.rater == "ana" }.count == 40)
        #expect(saved.filter { $0.rater == "ben" }.count == 40)
    }
}
