import Foundation
import PolyphonyBackends
import Testing

/// Streamed frames are trimmed of spaces and tabs (Unicode's too) as Foundation trims them,
/// whether or not the cheap check for an untrimmed frame applies.
@Suite struct StreamFrameTrimmingTests {
    @Test(arguments: ["[DONE]", " [DONE]", "[DONE]\t", "\u{00A0}[DONE]\u{2003}", " \t [DONE] \t "])
    func anOpenAIEndMarkerIsRecognisedWhateverSpacesSurroundIt(_ data: String) throws {
        #expect(try OpenAIDialect().decodeStreamFrame(StreamFrame(data: data)) == [.end])
    }

    @Test(arguments: [#"{"choices":[{"delta":{"content":"é"}}]}"#, #"  {"choices":[{"delta":{"content":"é"}}]}"#, "\u{3000}{\"choices\":[{\"delta\":{\"content\":\"é\"}}]}\u{00A0}"])
    func anOpenAIChunkDecodesTheSameWithOrWithoutSurroundingSpaces(_ data: String) throws {
        #expect(try OpenAIDialect().decodeStreamFrame(StreamFrame(data: data)) == [.delta("é")])
    }

    @Test func jsonLinesAreTrimmedOfSpacesAndTabsButKeepTheirInsides() {
        var framer = StreamFramer(framing: .jsonLines)
        let frames = framer.append(Data("  {\"a\": \"b c\"}\t\n{\"d\":1}\n \t \n\u{00A0}{\"e\":2}\u{00A0}\n".utf8))
        #expect(frames.map(\.data) == [#"{"a": "b c"}"#, #"{"d":1}"#, #"{"e":2}"#])
    }
}
