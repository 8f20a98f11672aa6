internal import CCurl
import Foundation

/// What a caller hands the loop thread to start one request: all of it `Sendable`.
struct CurlExchange: Sendable {
    var id: Int
    var request: HTTPOutgoingRequest
    var head: CheckedContinuation<HTTPResponseHead, any Error>
    var body: AsyncThrowingStream<Data, any Error>.Continuation
}

/// One request on its libcurl easy handle, from set-up to clean-up.
///
/// Lives on the loop thread only: libcurl calls back into it from `curl_multi_perform`
/// there, and the loop completes, fails or times it out there. It answers its caller
/// through the continuations exactly once: the head (or an error instead of it), then the
/// body's end (or an error ending it).
final class CurlTransfer {
    let id: Int
    let easy: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var headContinuation: CheckedContinuation<HTTPResponseHead, any Error>?
    private let body: AsyncThrowingStream<Data, any Error>.Continuation
    private let timeouts: HTTPTimeouts
    private let deadlines: TransferDeadlines<ContinuousClock.Instant>

    /// The head being read: the status of the latest status line and the fields after it.
    private var status: Int?
    private var fields: [(name: String, value: String)] = []
    /// Set when a write found the body stream dropped: the write callback then makes libcurl
    /// abort, and the resulting write error is not reported to anyone.
    private var consumerGone = false

    /// Makes the easy handle for `exchange`, or fails the exchange and returns `nil`.
    init?(_ exchange: CurlExchange, timeouts: HTTPTimeouts, now: ContinuousClock.Instant) {
        id = exchange.id
        body = exchange.body
        headContinuation = exchange.head
        self.timeouts = timeouts
        deadlines = TransferDeadlines(timeouts: timeouts, start: now)
        guard let easy = curl_easy_init() else {
            exchange.head.resume(throwing: HTTPTransportError.connection("libcurl could not create a request handle"))
            exchange.body.finish()
            return nil
        }
        self.easy = easy
        if let problem = configure(exchange.request) {
            fail(problem)
            cleanUp()
            return nil
        }
    }

    /// Frees the easy handle and its header list; call after removing it from the multi handle.
    func cleanUp() {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        headerList = nil
    }

    /// The earliest instant at which ``expired(at:)`` can return an error.
    var nextDeadline: ContinuousClock.Instant { deadlines.next(waitingForHead: headContinuation != nil) }

    /// The timeout error if a deadline has passed at `now`, the earlier deadline first.
    func expired(at now: ContinuousClock.Instant) -> HTTPTransportError? {
        deadlines.expired(at: now, waitingForHead: headContinuation != nil)
    }

    /// Reports `error` to whoever is waiting: the caller of `execute` before the head, the
    /// body's consumer after it.
    func fail(_ error: HTTPTransportError) {
        if let head = headContinuation {
            headContinuation = nil
            head.resume(throwing: error)
            body.finish()
        } else {
            body.finish(throwing: error)
        }
    }

    /// Ends the exchange with libcurl's verdict on the transfer.
    func complete(_ result: CURLcode) {
        if result == CURLE_OK {
            if headContinuation != nil {
                fail(.connection("the connection closed before a response arrived"))
            } else {
                body.finish()
            }
        } else if consumerGone {
            body.finish()
        } else {
            fail(describe(result))
        }
    }

    // MARK: - libcurl callbacks

    /// One header line, CRLF included. Status lines start a head; a blank line ends it.
    fileprivate func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard headContinuation != nil else { return bytes.count }  // trailers after a chunked body
        // Trimmed as bytes: in a Swift string "\r\n" is one Character.
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: "\n") || bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = Substring(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<end]), as: UTF8.self))
        if line.hasPrefix("HTTP/") {
            // A new head: after a 1xx interim response the real one follows.
            let parts = line.split(separator: " ", maxSplits: 2)
            status = parts.count >= 2 ? Int(parts[1]) : nil
            fields = []
        } else if line.isEmpty {
            guard let status else { return bytes.count }
            if (100..<200).contains(status) {
                self.status = nil
            } else {
                deliverHead(status: status)
            }
        } else if let first = line.first, first == " " || first == "\t", !fields.isEmpty {
            // An obsolete folded continuation of the previous field.
            fields[fields.count - 1].value += " " + line.trimmingCharacters(in: .whitespaces)
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            fields.append((name, value))
        }
        return bytes.count
    }

    /// A piece of the body, already de-chunked and decompressed by libcurl.
    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        if headContinuation != nil { deliverHead(status: status ?? 0) }
        if case .terminated = body.yield(Data(bytes)) {
            consumerGone = true
            return 0  // a short count makes libcurl abort the transfer
        }
        return bytes.count
    }

    private func deliverHead(status: Int) {
        guard let head = headContinuation else { return }
        headContinuation = nil
        var headers: [String: String] = [:]
        for (name, value) in fields {
            let key = name.lowercased()
            // Repeated fields combine into one comma-separated list, as HTTP allows.
            headers[key] = headers[key].map { "\($0), \(value)" } ?? value
        }
        head.resume(returning: HTTPResponseHead(status: status, headers: headers))
    }

    // MARK: - Set-up

    /// Sets every option for `request`; returns why the request cannot be sent, if it cannot.
    private func configure(_ request: HTTPOutgoingRequest) -> HTTPTransportError? {
        var fieldLines: [String] = []
        var names = Set<String>()
        for (name, value) in request.headers {
            if (name + value).contains(where: { $0 == "\r" || $0 == "\n" }) {
                return .connection("header field \(name) contains a line break; the request was not sent")
            }
            names.insert(name.lowercased())
            // libcurl sends "Name;" as a field with an empty value; "Name:" would remove it.
            fieldLines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        // No "Expect: 100-continue" round trip before large bodies: servers we talk to answer
        // directly, and one that ignores it would cost a second per request.
        if !names.contains("expect") { fieldLines.append("Expect:") }
        if !names.contains("user-agent") { fieldLines.append("User-Agent: polyphony") }
        // A body without a declared type goes without one, not as a form.
        if !request.body.isEmpty, !names.contains("content-type") { fieldLines.append("Content-Type:") }
        for line in fieldLines { headerList = curl_slist_append(headerList, line) }

        ccurl_easy_set_string(easy, CURLOPT_URL, request.url.absoluteString)
        ccurl_easy_allow_only_http(easy)
        // A proxy from the environment (https_proxy, ALL_PROXY) is used only as a tunnel for
        // https, where it sees the host but never the headers. Plain http through a proxy
        // would hand it the Authorization header, so http goes direct, proxy or not.
        if request.url.scheme?.lowercased() == "https" {
            ccurl_easy_set_long(easy, CURLOPT_HTTPPROXYTUNNEL, 1)
        } else {
            ccurl_easy_set_string(easy, CURLOPT_PROXY, "")
        }
        ccurl_easy_set_long(easy, CURLOPT_NOSIGNAL, 1)
        // Redirects come back as ordinary responses: the layer above decides whether a
        // credential may follow one, and it may not follow it to another origin.
        ccurl_easy_set_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        ccurl_easy_set_long(easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
        ccurl_easy_set_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(timeouts.connect))
        ccurl_easy_set_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        ccurl_easy_set_string(easy, CURLOPT_ACCEPT_ENCODING, "")  // every encoding libcurl can decode
        ccurl_easy_set_pointer(easy, CURLOPT_HTTPHEADER, headerList)

        let method = request.method.uppercased()
        if !request.body.isEmpty || method == "POST" {
            ccurl_easy_set_long(easy, CURLOPT_POST, 1)
            ccurl_easy_set_offset(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
            let copied = request.body.withUnsafeBytes { bytes in
                // COPYPOSTFIELDS copies, so the bytes need not outlive this call; an empty body needs a valid pointer.
                ccurl_easy_set_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(("" as StaticString).utf8Start)))
            }
            if copied != CURLE_OK { return .connection("libcurl could not take the request body (\(request.body.count) bytes)") }
            if method != "POST" { ccurl_easy_set_string(easy, CURLOPT_CUSTOMREQUEST, method) }
        } else if method == "GET" {
            ccurl_easy_set_long(easy, CURLOPT_HTTPGET, 1)
        } else if method == "HEAD" {
            ccurl_easy_set_long(easy, CURLOPT_NOBODY, 1)
        } else {
            ccurl_easy_set_string(easy, CURLOPT_CUSTOMREQUEST, method)
        }

        let context = Unmanaged.passUnretained(self).toOpaque()
        ccurl_easy_set_callback(easy, CURLOPT_HEADERFUNCTION, curlHeaderCallback)
        ccurl_easy_set_pointer(easy, CURLOPT_HEADERDATA, context)
        ccurl_easy_set_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteCallback)
        ccurl_easy_set_pointer(easy, CURLOPT_WRITEDATA, context)
        return nil
    }

    /// Turns libcurl's result into words; never includes request headers or the URL.
    private func describe(_ result: CURLcode) -> HTTPTransportError {
        switch result {
        case CURLE_OPERATION_TIMEDOUT:
            // No CURLOPT_TIMEOUT is set, so only the connect timeout can produce this.
            return .timedOut(phase: "connect", seconds: timeouts.connect)
        case CURLE_COULDNT_CONNECT: return .connection("cannot connect to host (connection refused or unreachable)")
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: return .connection("cannot resolve host")
        case CURLE_GOT_NOTHING: return .connection("the connection closed before a response arrived")
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE: return .connection("connection lost mid-transfer")
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM:
            return .connection("TLS handshake failed (\(Self.text(result)))")
        case CURLE_UNSUPPORTED_PROTOCOL:
            // libcurl says this for a status line it cannot read as much as for a scheme.
            return .connection("the server's reply is not HTTP/1.x or HTTP/2 this client can read, or the URL is not http(s)")
        case CURLE_URL_MALFORMAT: return .connection("malformed URL")
        case CURLE_WEIRD_SERVER_REPLY: return .connection("the server's reply is not HTTP")
        default: return .connection("transfer failed (libcurl error \(result.rawValue): \(Self.text(result)))")
        }
    }

    /// libcurl's fixed description of a result code.
    private static func text(_ result: CURLcode) -> String {
        curl_easy_strerror(result).map { String(cString: $0) } ?? "unknown error"
    }

    /// Whole milliseconds, at least one, for a duration in seconds; capped at about 30 years
    /// so that an absurd configured timeout cannot overflow.
    static func milliseconds(_ seconds: Double) -> Int {
        let milliseconds = (seconds * 1000).rounded(.up)
        guard milliseconds < 1e12 else { return 1_000_000_000_000 }
        return max(1, Int(milliseconds))
    }
}

// libcurl's callbacks: C function pointers that find their transfer through the context
// pointer, which is the transfer itself, kept alive by the loop while its handle is attached.

private let curlHeaderCallback: ccurl_data_callback = { data, size, count, context in
    guard let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    return transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
}

private let curlWriteCallback: ccurl_data_callback = { data, size, count, context in
    guard let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
}
