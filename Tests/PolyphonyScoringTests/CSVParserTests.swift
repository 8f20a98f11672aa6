import PolyphonyCore
import Testing
@testable import PolyphonyScoring

struct CSVParserTests {
    private func table(_ text: String) throws -> CSVParser.Table {
        try CSVParser(file: "ideas.csv").table(Array(text.utf8))
    }

    @Test func quotedFieldsKeepCommasNewlinesAndDoubledQuotes() throws {
        let parsed = try table("text,author\r\n\"a, b\",x\r\n\"line one\nline two\",y\n\"she said \"\"hi\"\"\",z\n")
        #expect(parsed.header == ["text", "author"])
        #expect(parsed.records.map(\.fields) == [["a, b", "x"], ["line one\nline two", "y"], ["she said \"hi\"", "z"]])
        #expect(parsed.records.map(\.line) == [2, 3, 5])
    }

    @Test func lastRecordWithoutNewlineAndEmptyFieldsAreKept() throws {
        let parsed = try table("a,b,c\n,,\n1,\"\",3")
        #expect(parsed.records.map(\.fields) == [["", "", ""], ["1", "", "3"]])
    }

    @Test func blankLinesAreNotRecordsAndByteOrderMarkIsStripped() throws {
        let parsed = try table("\u{FEFF}text,author\n\nidea,me\n\n")
        #expect(parsed.header == ["text", "author"])
        #expect(parsed.records.map(\.fields) == [["idea", "me"]])
        #expect(parsed.records.first?.line == 3)
    }

    @Test func unterminatedQuoteNamesTheLineItOpenedOn() {
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try table("text,author\nok,me\n\"never closed,me\nmore\n")
        }
        #expect(error?.file == "ideas.csv" && error?.line == 3)
    }

    @Test func textAfterClosingQuoteIsAnErrorOnItsLine() {
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try table("text,author\n\"quoted\"tail,me\n")
        }
        #expect(error?.file == "ideas.csv" && error?.line == 2)
    }

    @Test func strayQuoteInsideUnquotedFieldIsAnError() {
        #expect(throws: PolyphonyError.invalidInput) { try table("text,author\nab\"c,me\n") }
        do {
            _ = try table("text,author\nfine,me\nab\"c,me\n")
        } catch let error as PolyphonyError {
            #expect(error.line == 3)
            #expect(error.file == "ideas.csv")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func wrongFieldCountNamesTheRecordLineAfterMultilineField() {
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try table("text,author\n\"two\nlines\",me\na,b,c\n")
        }
        #expect(error?.file == "ideas.csv" && error?.line == 4)
    }

    @Test func duplicateAndEmptyHeaderNamesAreRejected() {
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try table("text,Text\n")
        }
        #expect(error?.file == "ideas.csv" && error?.line == 1)
        let error2 = #expect(throws: PolyphonyError.invalidInput) {
            try table("")
        }
        #expect(error2?.file == "ideas.csv" && error2?.line == 1)
    }

    @Test func invalidUTF8IsAnErrorNotATrap() {
        let bytes: [UInt8] = Array("text,author\n".utf8) + [0xFF, 0xFE] + Array(",me\n".utf8)
        #expect(throws: PolyphonyError.invalidInput) { try CSVParser(file: "x.csv").table(bytes) }
    }
}
