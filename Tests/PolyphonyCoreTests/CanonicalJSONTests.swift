import Foundation
import PolyphonyCore
import Testing

/// CanonicalJSON writes what JSONOutput's line encoder writes, so digests and files made with
/// either are the same bytes.
@Suite struct CanonicalJSONTests {
    private static func encoded(_ value: JSONValue) throws -> String {
        String(decoding: try JSONOutput.makeLineEncoder().encode(value), as: UTF8.self)
    }

    @Test func everyControlCharacterIsEscapedAsTheEncoderEscapesIt() throws {
        for code in UInt8(0)..<0x20 {
            let value = JSONValue.string("a" + String(UnicodeScalar(code)) + "b")
            #expect(CanonicalJSON.text(value) == (try Self.encoded(value)), "U+\(String(code, radix: 16))")
        }
    }

    @Test(arguments: [
        "plain", "", "quote \" and backslash \\ and slash / in a url https://x.y/z", "tab\tnew\nline\r\nend",
        "delete \u{7F}", "é ü ß 中文 🙂 👩‍👩‍👧", "\u{2028}\u{2029}\u{FEFF}", "emoji at the end 🎉",
    ])
    func stringsAreWrittenAsTheEncoderWritesThem(_ text: String) throws {
        #expect(CanonicalJSON.text(.string(text)) == (try Self.encoded(.string(text))))
    }

    /// Clean text is scanned eight bytes at a time: an escape at any offset in such a chunk,
    /// next to multi-byte UTF-8 or at a chunk's edge, must still be written as the encoder writes it.
    @Test func anEscapeAtEveryOffsetOfLongTextIsWrittenAsTheEncoderWritesIt() throws {
        let base = Array("The city plants trees é along 中 bus routes 🙂 and more plain text here.".unicodeScalars)
        for special in ["\"", "\\", "\n", "\u{1F}", "\u{7F}"] {
            for offset in 0...base.count {
                var scalars = String.UnicodeScalarView()
                scalars.append(contentsOf: base[..<offset])
                scalars.append(contentsOf: special.unicodeScalars)
                scalars.append(contentsOf: base[offset...])
                let text = String(scalars)
                #expect(CanonicalJSON.text(.string(text)) == (try Self.encoded(.string(text))), "\(special.debugDescription) at \(offset)")
            }
        }
    }

    @Test func nestedValuesWithUnsortedKeysAreWrittenAsTheEncoderWritesThem() throws {
        let value: JSONValue = .array([
            .object(["role": .string("user"), "content": .string("hi"), "Zeta": .null, "alpha": .bool(true), "_x": .bool(false)]),
            .object([:]), .array([]),
            .object(["n": .number(0), "m": .number(-3), "big": .number(123_456_789_012), "k": .number(42)]),
        ])
        #expect(CanonicalJSON.text(value) == (try Self.encoded(value)))
    }

    @Test func theMessagesDigestIsTheSHA256OfTheEncodersText() throws {
        let messages: [ChatMessage] = [.system("You are \"careful\".\n/ok"), .user("Ideas for 🙂 streets\u{01}"), .assistant("1. A\t2. B")]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(ChatRequest.messagesDigest(messages) == SHA256.hex(try encoder.encode(messages)))
    }
}
