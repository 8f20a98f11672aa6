import Foundation
import PolyphonyTestSupport
import Testing

/// The test servers' request reader: lines cut at CRLF only, header fields trimmed of spaces
/// and tabs (Unicode's too) as Foundation trims them, the body taken by Content-Length.
@Suite struct LoopbackRequestTests {
    @Test func headerFieldsAreTrimmedAndNamesLowerCasedWhateverSurroundsThem() throws {
        var buffer = Data((
            "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Spaced: \t padded value \t\r\n"
                + "X-Unicode:\u{00A0}café\u{2003}\r\nX-Empty:\r\nX-Blank:  \t \r\nX-Lone: a\nb\r\nContent-Length: 4\r\n\r\nbodyNEXT"
        ).utf8)
        guard case .request(let request) = LoopbackRequest.take(from: &buffer) else {
            Issue.record("no request read")
            return
        }
        #expect(request.method == "POST")
        #expect(request.path == "/v1/chat/completions")
        #expect(request.header("host") == "127.0.0.1")
        #expect(request.header("x-spaced") == "padded value")
        #expect(request.header("X-UNICODE") == "café")
        #expect(request.header("x-empty") == "")
        #expect(request.header("x-blank") == "")
        #expect(request.header("x-lone") == "a\nb")
        #expect(request.body == Data("body".utf8))
        #expect(buffer == Data("NEXT".utf8))
    }

    @Test func aRequestWithoutItsWholeBodyIsIncomplete() {
        var buffer = Data("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort".utf8)
        guard case .incomplete = LoopbackRequest.take(from: &buffer) else {
            Issue.record("read a request before its body arrived")
            return
        }
    }
}
