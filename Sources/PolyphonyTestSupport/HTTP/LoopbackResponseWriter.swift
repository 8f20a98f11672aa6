import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one response on a loopback connection: whole, or streamed in pieces.
///
/// A handler gets one writer per request and uses it from the connection's own thread.
/// Writes after the client went away are dropped silently and flip ``isClientGone``, which
/// is how a handler (and a test) notices that a client aborted a stream. A collecting writer
/// (``init(collectingWithKeepAlive:)``) keeps the bytes instead, for a server that sends them later.
package final class LoopbackResponseWriter {
    /// How a streamed body is delimited.
    package enum Framing: Sendable {
        /// `Transfer-Encoding: chunked`; the connection can be reused afterwards.
        case chunked
        /// No length at all: the body ends when the server closes the connection, so a
        /// dropped stream looks like a normal end and only the dialect's end marker tells them apart.
        case closeDelimited
    }

    private enum State {
        case idle
        case streaming(Framing)
        case finished
    }

    private let socket: Int32
    /// The bytes written so far, when collecting instead of sending.
    private var collected: Data?
    private var state = State.idle
    /// Whether the connection may carry another request after this response.
    private(set) var keepAlive: Bool
    /// Set when a write failed because the peer closed or reset the connection.
    package private(set) var isClientGone = false
    /// Called once, just before the bytes that complete the response are written: after them
    /// the client may already send its next request, which must not find this one still counted.
    var willComplete: (() -> Void)?

    init(socket: Int32, keepAlive: Bool) {
        self.socket = socket
        self.keepAlive = keepAlive
    }

    /// A writer that keeps the whole response in memory (``takeCollected()``) instead of
    /// sending it; faults that act on a live connection (``dropConnection()``,
    /// ``waitForClientToHangUp(seconds:)``) do nothing on it.
    package init(collectingWithKeepAlive keepAlive: Bool) {
        self.socket = -1
        self.keepAlive = keepAlive
        self.collected = Data()
    }

    /// The bytes a collecting writer was given so far, which it then forgets.
    package func takeCollected() -> Data {
        defer { if collected != nil { collected = Data() } }
        return collected ?? Data()
    }

    /// Whether a response has been started (whole or streamed).
    package var hasStarted: Bool {
        if case .idle = state { return false }
        return true
    }

    var isFinished: Bool {
        if case .finished = state { return true }
        return false
    }

    /// Sends a complete response with a `Content-Length`.
    /// - Parameters:
    ///   - status: The HTTP status code.
    ///   - headers: Extra header fields; `Content-Length` and `Connection` are added for you.
    ///   - body: The body bytes.
    package func send(status: Int, headers: [(String, String)] = [], body: Data = Data()) {
        guard case .idle = state else { return }
        var head = statusLine(status)
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\n"
        head += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n"
        var bytes = Data(head.utf8)
        bytes.append(body)
        completing()
        writeRaw(bytes)
        state = .finished
    }

    /// Sends an interim 1xx head (such as `100 Continue`); the real response follows with
    /// ``send(status:headers:body:)`` or ``beginStream(status:headers:framing:)``.
    package func sendInterim(status: Int = 100) {
        guard case .idle = state, (100..<200).contains(status) else { return }
        writeRaw(Data((statusLine(status) + "\r\n").utf8))
    }

    /// Sends a complete response whose body is `text` in UTF-8.
    package func send(status: Int, headers: [(String, String)] = [], text: String) {
        send(status: status, headers: headers, body: Data(text.utf8))
    }

    /// Starts a streamed response; follow with ``write(_:)`` calls and ``finish()``.
    /// - Parameters:
    ///   - status: The HTTP status code.
    ///   - headers: Extra header fields, such as `Content-Type: text/event-stream`.
    ///   - framing: Chunked transfer or a close-delimited body.
    package func beginStream(status: Int, headers: [(String, String)] = [], framing: Framing = .chunked) {
        guard case .idle = state else { return }
        var head = statusLine(status)
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        switch framing {
        case .chunked:
            head += "Transfer-Encoding: chunked\r\n"
            head += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n"
        case .closeDelimited:
            keepAlive = false
            head += "Connection: close\r\n\r\n"
        }
        writeRaw(Data(head.utf8))
        state = .streaming(framing)
    }

    /// Sends one piece of a streamed body, flushed at once.
    package func write(_ piece: Data) {
        guard case .streaming(let framing) = state, !piece.isEmpty else { return }
        switch framing {
        case .chunked:
            var bytes = Data(String(piece.count, radix: 16).utf8)
            bytes.append(contentsOf: [13, 10])
            bytes.append(piece)
            bytes.append(contentsOf: [13, 10])
            writeRaw(bytes)
        case .closeDelimited:
            writeRaw(piece)
        }
    }

    /// Sends one piece of a streamed body given as UTF-8 text.
    package func write(_ text: String) { write(Data(text.utf8)) }

    /// Ends a streamed body properly (the last chunk, or closing the connection).
    package func finish() {
        guard case .streaming(let framing) = state else { return }
        completing()
        if case .chunked = framing { writeRaw(Data("0\r\n\r\n".utf8)) }
        state = .finished
    }

    /// Runs ``willComplete`` if it has not run yet.
    func completing() {
        let callback = willComplete
        willComplete = nil
        callback?()
    }

    /// Blocks until the client closes or resets the connection, for at most `seconds`, and
    /// returns whether it did (setting ``isClientGone``). A handler that must not answer yet
    /// uses this to see a client abort, without writing and without a sleep that must be long enough.
    /// Returns `false` early if the client sends more bytes instead.
    package func waitForClientToHangUp(seconds: Double) -> Bool {
        guard collected == nil else { return false }
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        while ContinuousClock.now < deadline {
            // Wake at least once a second to check the deadline.
            let ready = poll(&descriptor, 1, 1000)
            if ready < 0, errno != EINTR { break }
            guard ready > 0 else { continue }
            var byte: UInt8 = 0
            let count = recv(socket, &byte, 1, Int32(MSG_PEEK))
            if count > 0 { return false }
            if count < 0, errno == EINTR { continue }
            isClientGone = true
            keepAlive = false
            return true
        }
        return false
    }

    /// Cuts the connection now, mid-response: the client sees a transfer that ends early.
    package func dropConnection() {
        keepAlive = false
        state = .finished
        // Like the last bytes of an answer: a client that retries once it sees the
        // connection drop must not find this request still counted in flight.
        completing()
        if collected == nil { shutdown(socket, Int32(SHUT_RDWR)) }
    }

    private func statusLine(_ status: Int) -> String {
        "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
    }

    private func writeRaw(_ bytes: Data) {
        guard !isClientGone else { return }
        if collected != nil {
            collected?.append(bytes)
            return
        }
        let ok = bytes.withUnsafeBytes { raw -> Bool in
            guard var pointer = raw.baseAddress else { return true }
            var remaining = raw.count
            while remaining > 0 {
                #if canImport(Darwin)
                let sent = Darwin.send(socket, pointer, remaining, 0)
                #else
                let sent = Glibc.send(socket, pointer, remaining, Int32(MSG_NOSIGNAL))
                #endif
                if sent < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                remaining -= sent
                pointer += sent
            }
            return true
        }
        if !ok {
            isClientGone = true
            keepAlive = false
        }
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 302: "Found"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 408: "Request Timeout"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 529: "Overloaded"
        default: "Status"
        }
    }
}
