import Foundation
import PolyphonyCore
import Testing

/// The byte-level reader gives what JSONDecoder gives, or hands the text back to it.
@Suite struct JSONValueParserTests {
    private static func decoded(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    /// After its first escape a string is copied in runs between escapes: every kind of escape,
    /// at every place in a prompt-like string, reads as JSONDecoder reads it.
    @Test func escapesAnywhereInALongStringReadAsJSONDecoderReadsThem() throws {
        let plain = "Topic: cool streets é 中 🙂 [i12] shade sails"
        for escape in [#"\n"#, #"\""#, #"\\"#, #"\/"#, #"\t"#, #"\u00e9"#, #"\ud83d\ude42"#] {
            for offset in 0...plain.count {
                let index = plain.index(plain.startIndex, offsetBy: offset)
                let text = "\"" + plain[..<index] + escape + plain[index...] + escape + "end\""
                let fast = JSONValueParser.parse(Data(text.utf8))
                #expect(fast != nil, "\(escape) at \(offset)")
                #expect(fast == Self.decoded(text), "\(escape) at \(offset)")
            }
        }
    }

    @Test(arguments: [
        #"{"id":"chatcmpl-fake","object":"chat.completion.chunk","created":0,"model":"m","choices":[{"index":0,"delta":{"content":"1. A "},"finish_reason":null}]}"#,
        #"{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42}}"#,
        #"  [ 1 , -0 , 0.5 , -12.25e3 , 1E-7 , 6.02e+23 , 12345678901234567890 , true , false , null ]  "#,
        #""escapes \" \\ \/ \b \f \n \r \t \u0041 \u00e9 \u4e2d \ud83d\ude42 done""#,
        "\"raw UTF-8: é 中文 🙂 👩‍👩‍👧\"",
        #"{"nested":{"a":[{"b":[[]]},{}],"c":""},"empty":{}}"#,
        "\t\r\n{\"spaced\" : [ \"out\" ] }\n",
        "0", "-1", "\"\"", "[]", "{}",
    ])
    func plainDocumentsReadAsJSONDecoderReadsThem(_ text: String) throws {
        let fast = JSONValueParser.parse(Data(text.utf8))
        #expect(fast != nil)
        #expect(fast == Self.decoded(text))
        #expect(JSONValueParser.parse(text) == fast)
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "[1 2]", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul",
        "\"unterminated", "\"control \u{01} char\"", "\"bad \\x escape\"", "\"lone \\ud800 surrogate\"", "\"lone \\udc00 low\"",
        "\"short \\u12\"", "1e400", "{\"a\":1,\"a\":2}", "[1] trailing", "NaN", "'single'",
    ])
    func anythingUnusualIsLeftToJSONDecoder(_ text: String) {
        #expect(JSONValueParser.parse(Data(text.utf8)) == nil)
    }

    @Test func invalidUTF8IsLeftToJSONDecoder() {
        #expect(JSONValueParser.parse(Data([0x22, 0xC3, 0x28, 0x22])) == nil)
        #expect(JSONValueParser.parse(Data([0x22, 0x5C, 0x6E, 0xFF, 0x22])) == nil)
    }

    @Test func nestingDeeperThanSixtyFourIsLeftToJSONDecoder() {
        #expect(JSONValueParser.parse(String(repeating: "[", count: 65) + String(repeating: "]", count: 65)) == nil)
        #expect(JSONValueParser.parse(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)) != nil)
    }
}
