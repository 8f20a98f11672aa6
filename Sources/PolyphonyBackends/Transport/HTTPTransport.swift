import Foundation

/// Sends HTTP requests for the backends; the one place Polyphony touches the network.
///
/// The production implementation is ``CurlTransport``.
/// Unit tests may swap in a closure-backed transport; HTTP behaviour itself is tested
/// against a real loopback server.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns once the response head has arrived; the body follows as a stream.
    ///
    /// Cancelling the calling task before the head arrives, or dropping the body stream
    /// before it ends, aborts the request.
    /// - Throws: ``HTTPTransportError`` for timeouts, connection failures and cancellation.
    func execute(_ request: HTTPOutgoingRequest) async throws -> HTTPStreamingResponse
}

extension HTTPTransport {
    /// Sends `request` and collects the whole body.
    /// - Returns: The response head and all body bytes.
    public func send(_ request: HTTPOutgoingRequest) async throws -> (HTTPResponseHead, Data) {
        let response = try await execute(request)
        var body = Data()
        for try await piece in response.body { body.append(piece) }
        return (response.head, body)
    }
}

/// An HTTP request ready to send.
public struct HTTPOutgoingRequest: Sendable {
    /// Where the request goes.
    public var url: URL
    /// The HTTP method.
    public var method: String
    /// Header fields. Values may hold API keys: never log or persist them.
    public var headers: [String: String]
    /// The body bytes, usually JSON.
    public var body: Data

    /// Creates a request; `method` defaults to `POST`, which every dialect uses.
    public init(url: URL, method: String = "POST", headers: [String: String] = [:], body: Data = Data()) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
    }
}

/// The status line and headers of a response.
public struct HTTPResponseHead: Sendable, Hashable {
    /// The HTTP status code.
    public var status: Int
    /// Header fields with lower-cased names.
    public var headers: [String: String]

    /// Creates a head; header names are lower-cased here.
    public init(status: Int, headers: [String: String] = [:]) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
    }

    /// The value of header `name`, matched case-insensitively.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A response whose head has arrived and whose body is still streaming in.
public struct HTTPStreamingResponse: Sendable {
    /// The status and headers.
    public var head: HTTPResponseHead
    /// The body in pieces as they arrive. It throws ``HTTPTransportError`` when the
    /// connection breaks or a timeout fires; ending early without an error is possible for
    /// close-delimited bodies, so dialects check their own end markers.
    public var body: AsyncThrowingStream<Data, any Error>

    /// Creates a response from its head and body stream.
    public init(head: HTTPResponseHead, body: AsyncThrowingStream<Data, any Error>) {
        self.head = head
        self.body = body
    }
}

/// How long a transport waits for each phase of a request.
public struct HTTPTimeouts: Sendable, Hashable {
    /// Seconds to establish the TCP (and TLS) connection.
    public var connect: Double
    /// Seconds from sending until the response head arrives (a model thinking before it answers).
    public var firstByte: Double
    /// Seconds for the whole exchange, body included.
    public var total: Double

    /// Deadlines in seconds; the defaults match ``BackendConfiguration``'s.
    public init(connect: Double = 10, firstByte: Double = 120, total: Double = 600) {
        self.connect = connect
        self.firstByte = firstByte
        self.total = total
    }
}

/// A request failed below HTTP: no connection, a timeout, or cancellation.
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible, Hashable {
    private enum Code: Hashable, Sendable {
        case timedOut, connection, cancelled
    }

    private let code: Code
    /// What happened, without any header values.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A timeout fired; `phase` is `connect`, `first byte` or `total`.
    public static func timedOut(phase: String, seconds: Double) -> Self {
        Self(.timedOut, "no \(phase == "total" ? "complete response" : phase) within \(Self.format(seconds)) s (\(phase) timeout)")
    }

    /// The connection could not be made or broke.
    public static func connection(_ message: String) -> Self { Self(.connection, message) }

    /// The calling task was cancelled.
    public static let cancelled = Self(.cancelled, "cancelled")

    /// Whether this is a timeout.
    public var isTimeout: Bool { code == .timedOut }
    /// Whether the request was cancelled by its caller.
    public var isCancellation: Bool { code == .cancelled }

    public var description: String { message }

    private static func format(_ seconds: Double) -> String {
        seconds.rounded() == seconds ? String(Int(seconds)) : String(format: "%.3g", seconds)
    }
}
