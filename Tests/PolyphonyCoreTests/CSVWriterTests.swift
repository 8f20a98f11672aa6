import PolyphonyCore
import Testing

struct CSVWriterTests {
    @Test func quotesOnlyFieldsWithACommaQuoteOrLineBreakAndEndsEveryRecordInCRLF() {
        let text = CSVWriter.document([
            ["id", "text"],
            ["a1", "plain"],
            ["a2", "one, two"],
            ["a3", "say \"hi\""],
            ["a4", "line\nbreak"],
            ["a5", "windows\r\nbreak"],
        ])
        #expect(text == "id,text\r\na1,plain\r\na2,\"one, two\"\r\na3,\"say \"\"hi\"\"\"\r\na4,\"line\nbreak\"\r\na5,\"windows\r\nbreak\"\r\n")
        #expect(CSVWriter.document([]) == "")
    }
}
