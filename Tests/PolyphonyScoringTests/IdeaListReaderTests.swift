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
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try IdeaListReader().read(bytes: Array("idea,author\nx,y\n".utf8), format: .csv, path: "a.csv")
        }
        #expect(error?.file == "a.csv" && error?.line == 1)
    }

    @Test func emptyTextRowIsAnErrorWithItsLine() {
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try IdeaListReader().read(bytes: Array("text,author\nok,me\n  ,me\n".utf8), format: .csv, path: "a.csv")
        }
        #expect(error?.file == "a.csv" && error?.line == 3)
    }

    @Test func badRoundIsAnErrorWithItsLine() {
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try IdeaListReader().read(bytes: Array("text,author,round\nok,me,two\n".utf8), format: .csv, path: "a.csv")
        }
        #expect(error?.file == "a.csv" && error?.line == 2)
    }

    @Test func jsonlLinesBecomeIdeasAndBadLinesNameTheirLine() throws {
        let jsonl = "{\"text\":\"Solar awnings\",\"author\":\"cy\",\"round\":1,\"kind\":\"agent\"}\n\n{\"text\":\"Cool roofs\",\"author\":\"di\",\"group\":\"g\"}\n"
        let (ideas, _) = try IdeaListReader().read(bytes: Array(jsonl.utf8), format: .jsonl, path: "x.jsonl")
        #expect(ideas.map(\.text) == ["Solar awnings", "Cool roofs"])
        #expect(ideas.map(\.kind) == [.agent, .human])
        #expect(ideas.map(\.line) == [1, 3])
        #expect(ideas.map(\.group) == ["x", "g"])
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try IdeaListReader().read(bytes: Array("{\"text\":\"a\",\"author\":\"b\"}\n{\"text\":\"c\"}\n".utf8), format: .jsonl, path: "x.jsonl")
        }
        #expect(error?.file == "x.jsonl" && error?.line == 2)
        let error2 = #expect(throws: PolyphonyError.invalidInput) {
            try IdeaListReader().read(bytes: Array("{\"text\":\"a\",\"author\":\"b\",\"round\":1.5}\n".utf8), format: .jsonl, path: "x.jsonl")
        }
        #expect(error2?.file == "x.jsonl" && error2?.line == 1)
        let error3 = #expect(throws: PolyphonyError.invalidInput) {
            try IdeaListReader().read(bytes: Array("[1,2]\n".utf8), format: .jsonl, path: "x.jsonl")
        }
        #expect(error3?.file == "x.jsonl" && error3?.line == 1)
    }

    @Test func unknownExtensionIsRejected() {
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try IdeaListReader.Format(path: "ideas.txt")
        }
        #expect(error?.file == "ideas.txt")
    }
}
