import Foundation

/// An error a user can act on: it names the file and line, the field, or the backend and
/// HTTP status that caused it.
///
/// Callers match the ``code``, never the wording: two errors are equal when their codes are,
/// so `#expect(throws: PolyphonyError.invalidInput) { … }` or `error.code == .backend` work
/// whatever the message or data. The file, line, backend and status are data to inspect.
/// The CLI prints ``description`` as one line on stderr and exits non-zero. Construct values
/// with the static factories so the message shape stays uniform.
public struct PolyphonyError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The kind of failure, compared by kind only.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Sendable {
            case invalidInput, io, backend, unsupportedSchema, cancelled, budgetExhausted, replayDiverged, inUse
        }

        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// A user-supplied file or value is malformed.
        public static let invalidInput = Code(.invalidInput)
        /// Reading or writing a file failed.
        public static let io = Code(.io)
        /// A model server refused or failed a request.
        public static let backend = Code(.backend)
        /// A file declares a schema version this build cannot read.
        public static let unsupportedSchema = Code(.unsupportedSchema)
        /// The work was cancelled.
        public static let cancelled = Code(.cancelled)
        /// The session's token budget ran out.
        public static let budgetExhausted = Code(.budgetExhausted)
        /// A replayed session sent a request the recording does not contain.
        public static let replayDiverged = Code(.replayDiverged)
        /// Another process holds the file.
        public static let inUse = Code(.inUse)

        /// The code's name, such as `invalidInput`.
        public var description: String { kind.rawValue }
    }

    /// What kind of failure this is; the only thing `==` compares.
    public let code: Code
    /// What went wrong, in words a user can act on.
    public let message: String
    /// The file the problem is in, when there is one.
    public let file: String?
    /// The 1-based line in ``file``, when known.
    public let line: Int?
    /// The backend entry involved, when the error came from a model server.
    public let backend: String?
    /// The HTTP status the server answered, when there was one.
    public let status: Int?
    /// Whether repeating the same request may succeed (429, 5xx, dropped connections).
    public let isRetryable: Bool

    private init(
        _ code: Code, _ message: String, file: String? = nil, line: Int? = nil,
        backend: String? = nil, status: Int? = nil, isRetryable: Bool = false
    ) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.backend = backend
        self.status = status
        self.isRetryable = isRetryable
    }

    /// Equal when the codes are equal: callers match the kind, and read the data from the value.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    /// Matches any error with code ``Code/invalidInput``.
    public static let invalidInput = Self(.invalidInput, "invalid input")
    /// Matches any error with code ``Code/io``.
    public static let io = Self(.io, "input/output error")
    /// Matches any error with code ``Code/backend``.
    public static let backend = Self(.backend, "backend failure")
    /// Matches any error with code ``Code/unsupportedSchema``.
    public static let unsupportedSchema = Self(.unsupportedSchema, "unsupported schema")
    /// Matches any error with code ``Code/cancelled``.
    public static let cancelled = Self(.cancelled, "cancelled")
    /// Matches any error with code ``Code/budgetExhausted``.
    public static let budgetExhausted = Self(.budgetExhausted, "token budget exhausted")
    /// Matches any error with code ``Code/replayDiverged``.
    public static let replayDiverged = Self(.replayDiverged, "replay diverged")
    /// Matches any error with code ``Code/inUse``.
    public static let inUse = Self(.inUse, "in use")

    /// A user-supplied file or value is malformed.
    /// - Parameters:
    ///   - file: The path of the offending file, or `nil` for command-line values.
    ///   - line: The 1-based line of the problem, when known.
    public static func invalidInput(_ message: String, file: String? = nil, line: Int? = nil) -> Self {
        Self(.invalidInput, message, file: file, line: line)
    }

    /// Reading or writing a file failed.
    public static func io(_ message: String, file: String? = nil) -> Self {
        Self(.io, message, file: file)
    }

    /// A model server refused or failed a request.
    /// - Parameters:
    ///   - backend: The name of the backends-file entry.
    ///   - status: The HTTP status, or `nil` for connection-level failures.
    ///   - isRetryable: Whether the retry policy may send the request again.
    public static func backend(
        _ message: String, backend: String, status: Int? = nil, isRetryable: Bool = false
    ) -> Self {
        Self(.backend, message, backend: backend, status: status, isRetryable: isRetryable)
    }

    /// A transcript or data file declares a schema version this build cannot read.
    public static func unsupportedSchema(_ message: String, file: String? = nil, line: Int? = nil) -> Self {
        Self(.unsupportedSchema, message, file: file, line: line)
    }

    /// The work was cancelled by the user or by a signal.
    public static func cancelled(_ message: String = "cancelled") -> Self {
        Self(.cancelled, message)
    }

    /// The session's token budget ran out.
    public static func budgetExhausted(_ message: String) -> Self {
        Self(.budgetExhausted, message)
    }

    /// A replayed session sent a request the recording does not contain.
    public static func replayDiverged(_ message: String, file: String? = nil, line: Int? = nil) -> Self {
        Self(.replayDiverged, message, file: file, line: line)
    }

    /// Another process holds the file (a transcript being written): nothing was touched, and
    /// the same command can succeed once that process ends.
    public static func inUse(_ message: String, file: String) -> Self {
        Self(.inUse, message, file: file)
    }

    /// Whether the error is about malformed input rather than the environment.
    public var isInvalidInput: Bool { code == .invalidInput || code == .unsupportedSchema }
    /// Whether a file declares a schema version this build cannot read.
    public var isUnsupportedSchema: Bool { code == .unsupportedSchema }
    /// Whether the error means the work was cancelled.
    public var isCancellation: Bool { code == .cancelled }
    /// Whether another process holds the file.
    public var isInUse: Bool { code == .inUse }
    /// Whether the error is a model server's failure.
    public var isBackendFailure: Bool { code == .backend }

    /// One line: `file:line: message`, or `backend NAME (HTTP status): message`.
    public var description: String {
        var prefix = ""
        if let file {
            prefix = line.map { "\(file):\($0): " } ?? "\(file): "
        } else if let backend {
            prefix = status.map { "backend \(backend) (HTTP \($0)): " } ?? "backend \(backend): "
        }
        // Any line break a provider's text carries (an HTML error page's \r\n) would break
        // the one-line promise, or overwrite the line on a terminal.
        let flat = message.split(whereSeparator: { $0.isNewline }).joined(separator: " ")
        return prefix + flat
    }
}
