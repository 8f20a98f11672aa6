import PolyphonyCore
import Testing
@testable import PolyphonyScoring

struct IdeaListReaderTests {
    @Test func csvRowsBecomeHumanIdeasWithOptionalColumns() throws {
        let csv = "Text,author,group,round,prompt\n\"Bike lanes, painted green\",ann,,2,\nRooftop gardens,bob,pilot,,How to cool cities?\n"
        let (ideas, source) = try IdeaListReader(defaultPrompt: "topic").read(bytes: Array(csv.utf8), format: .csv, path: "/d/people.csv")
        #expect(ideas.count == 2)
        #expect(ideas[0] == InputIdea(id: "row-1", text: "Bike lanes, painted green", author: "ann", kind: .human, round: 2, group: "people", prompt: "topic", source: "people.csv", line: 2))
        #expect(ideas[1].group == "pilot")
        #expect(ideas[1].prompt == "How to cool cities?")
        #expect(ideas[1].round == nil)
        #expect(source.ideaCount == 2)
        #expect(source.kind == .ideaList)
    }

    @Test func csvWithoutTextColumnIsRejected() {
        #expect(throws: PolyphonyError.invalidInput("the header has no 'text' column (found: idea, author)", file: "a.csv", line: 1)) {
            try IdeaListReader().read(bytes: Array("idea,author\nx,y\n".utf8), format: .csv, path: "a.csv")
        }
    }

    @Test func emptyTextRowIsAnErrorWithItsLine() {
        #expect(throws: PolyphonyError.invalidInput("'text' is empty; every row must hold an idea", file: "a.csv", line: 3)) {
            try IdeaListReader().read(bytes: Array("text,author\nok,me\n  ,me\n".utf8), format: .csv, path: "a.csv")
        }
    }

    @Test func badRoundIsAnErrorWithItsLine() {
        #expect(throws: PolyphonyError.invalidInput("'round' is 'two'; expected a whole number", file: "a.csv", line: 2)) {
            try IdeaListReader().read(bytes: Array("text,author,round\nok,me,two\n".utf8), format: .csv, path: "a.csv")
        }
    }

    @Test func jsonlLinesBecomeIdeasAndBadLinesNameTheirLine() throws {
        let jsonl = "{\"text\":\"Solar awnings\",\"author\":\"cy\",\"round\":1,\"kind\":\"agent\"}\n\n{\"text\":\"Cool roofs\",\"author\":\"di\",\"group\":\"g\"}\n"
        let (ideas, _) = try IdeaListReader().read(bytes: Array(jsonl.utf8), format: .jsonl, path: "x.jsonl")
        #expect(ideas.map(\.text) == ["Solar awnings", "Cool roofs"])
        #expect(ideas.map(\.kind) == [.agent, .human])
        #expect(ideas.map(\.line) == [1, 3])
        #expect(ideas.map(\.group) == ["x", "g"])
        #expect(throws: PolyphonyError.invalidInput("missing field 'author'", file: "x.jsonl", line: 2)) {
            try IdeaListReader().read(bytes: Array("{\"text\":\"a\",\"author\":\"b\"}\n{\"text\":\"c\"}\n".utf8), format: .jsonl, path: "x.jsonl")
        }
        #expect(throws: PolyphonyError.invalidInput("field 'round' should be a whole number", file: "x.jsonl", line: 1)) {
            try IdeaListReader().read(bytes: Array("{\"text\":\"a\",\"author\":\"b\",\"round\":1.5}\n".utf8), format: .jsonl, path: "x.jsonl")
        }
        #expect(throws: PolyphonyError.invalidInput("not a JSON object", file: "x.jsonl", line: 1)) {
            try IdeaListReader().read(bytes: Array("[1,2]\n".utf8), format: .jsonl, path: "x.jsonl")
        }
    }

    @Test func unknownExtensionIsRejected() {
        #expect(throws: PolyphonyError.invalidInput("idea lists must end in .csv, .jsonl or .ndjson", file: "ideas.txt")) {
            try IdeaListReader.Format(path: "ideas.txt")
        }
    }
}
