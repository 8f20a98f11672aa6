import Foundation

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
}
