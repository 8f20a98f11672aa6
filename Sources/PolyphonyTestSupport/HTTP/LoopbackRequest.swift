import Foundation
import PolyphonyCore

/// One HTTP/1.1 request as the loopback server read it off the socket.
package struct LoopbackRequest: Sendable {
    /// The method, upper case (`GET`, `POST`).
    package var method: String
    /// The request target as sent, path plus query (`/v1beta/models/m:streamGenerateContent?alt=sse`).
    package var target: String
    /// Header fields with lower-cased names; a repeated field keeps its last value.
    package var headers: [String: String]
    /// The body, read in full using `Content-Length`.
    package var body: Data

    /// The target without its query string.
    package var path: String {
        target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? target
    }

    /// The query parameters, decoded; empty when there is no query string.
    package var query: [String: String] {
        guard let mark = target.firstIndex(of: "?") else { return [:] }
        var result: [String: String] = [:]
        for pair in target[target.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            result[name] = value
        }
        return result
    }

    /// The value of header `name`, matched case-insensitively.
    package func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// Creates a request value; the server builds these, tests rarely need to.
    package init(method: String, target: String, headers: [String: String], body: Data) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// What the front of a receive buffer holds.
    package enum Parsed {
        /// A whole request, now removed from the buffer.
        case request(LoopbackRequest)
        /// Not a whole request yet: read more bytes.
        case incomplete
        /// Not HTTP/1.1: give up on the connection.
        case malformed
    }

    /// Takes the first complete request (head and `Content-Length` body) off the front of
    /// `buffer`, for servers that read a connection's bytes as they come.
    package static func take(from buffer: inout Data) -> Parsed {
        guard let headEnd = buffer.range(of: Data("\r\n\r\n".utf8)) else { return .incomplete }
        guard let head = String(data: buffer[buffer.startIndex..<headEnd.lowerBound], encoding: .utf8) else {
            return .malformed
        }
        let lines = Self.lines(of: head)
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count >= 2 else { return .malformed }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingSpacesAndTabs().lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingSpacesAndTabs()
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = headEnd.upperBound
        guard buffer.distance(from: bodyStart, to: buffer.endIndex) >= length else { return .incomplete }
        let bodyEnd = buffer.index(bodyStart, offsetBy: length)
        let body = Data(buffer[bodyStart..<bodyEnd])
        buffer = Data(buffer[bodyEnd...])
        return .request(LoopbackRequest(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body))
    }

    /// `text` cut at every CRLF, as `components(separatedBy: "\r\n")` cuts it, without
    /// Foundation (the event-loop server parses every request of a benchmark on one thread).
    static func lines(of text: String) -> [Substring] {
        var lines: [Substring] = []
        let utf8 = text.utf8
        var start = utf8.startIndex
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let next = utf8.index(after: index)
            if utf8[index] == 0x0D, next < utf8.endIndex, utf8[next] == 0x0A {
                // CR LF always ends a grapheme cluster, so these are Character boundaries.
                lines.append(text[start..<index])
                index = utf8.index(after: next)
                start = index
            } else {
                index = next
            }
        }
        lines.append(text[start...])
        return lines
    }
}
