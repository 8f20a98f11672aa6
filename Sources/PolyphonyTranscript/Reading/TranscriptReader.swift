import Foundation
import PolyphonyCore

/// Streams the events of a transcript file without loading it whole.
///
/// The reader is strict about complete lines and lenient about the last one: a final line
/// without its newline that does not parse is what a crash mid-write leaves, so it is
/// reported as a warning and skipped rather than failing the read.
///
/// Every command reads through here, so the rules a transcript's structure depends on are
/// checked here too, once: a session header first and only there, and no turn index twice.
/// A file breaking them (two writers once appended to it) is refused, never scored or shown.
public struct TranscriptReader: Sendable {
    /// What a read found besides the events.
    public struct Summary: Sendable, Equatable {
        /// Complete events read.
        public var events = 0
        /// One-line descriptions of tolerated problems (a cut-off final line).
        public var warnings: [String] = []
        /// Whether the file ended in a partial line.
        public var truncated = false
    }

    /// How lines become events.
    package enum Decoding: Sendable {
        /// ``TranscriptLineDecoder`` for the lines it takes, `JSONDecoder` for the rest.
        case fast
        /// `JSONDecoder` for every line: the reference the fast path is held to, in tests and benchmarks.
        case reference
    }

    public let path: String
    private let chunkSize: Int
    private let decoding: Decoding

    /// - Parameter chunkSize: Bytes read per `read(2)`; the default suits files of any size.
    public init(path: String, chunkSize: Int = 1 << 20) {
        self.init(path: path, chunkSize: chunkSize, decoding: .fast)
    }

    package init(path: String, chunkSize: Int = 1 << 20, decoding: Decoding) {
        self.path = path
        self.chunkSize = chunkSize
        self.decoding = decoding
    }

    /// Calls `body` with every complete event in order, with its 1-based line number.
    /// - Returns: The count of events and any warnings.
    /// - Throws: ``PolyphonyError`` naming the file and line of the first malformed event,
    ///   an unsupported schema version, a file that does not start with a session header, a
    ///   second header or a repeated turn index.
    @discardableResult
    public func forEach(_ body: (TranscriptEvent, Int) throws -> Void) throws -> Summary {
        if FileIdentity.isDirectory(path) {
            throw PolyphonyError.io("is a directory, not a transcript file", file: path)
        }
        guard let file = FileHandle(forReadingAtPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
            throw PolyphonyError.io(reason, file: path)
        }
        defer { try? file.close() }
        let decoder = TranscriptCoding.makeDecoder()
        var summary = Summary()
        var pending: [UInt8] = []
        var lineNumber = 0
        var turnIndexes: Set<Int> = []

        func handle(line: UnsafeRawBufferPointer, complete: Bool) throws {
            lineNumber += 1
            let event: TranscriptEvent
            do {
                event = try decode(line, decoder: decoder, lineNumber: lineNumber)
            } catch let error as PolyphonyError where !complete && !error.isUnsupportedSchema {
                summary.truncated = true
                summary.warnings.append("\(path):\(lineNumber): final line cut off mid-write (\(line.count) bytes); ignored")
                return
            }
            if lineNumber == 1, event.type != .session {
                throw PolyphonyError.invalidInput("a transcript starts with a session event, found \(event.type.rawValue)", file: path, line: 1)
            }
            switch event {
            case .session where lineNumber > 1:
                throw PolyphonyError.invalidInput("a second session header; one transcript holds one session", file: path, line: lineNumber)
            case .turn(let turn) where !turnIndexes.insert(turn.index).inserted:
                throw PolyphonyError.invalidInput("turn index \(turn.index) appears twice", file: path, line: lineNumber)
            default:
                break
            }
            summary.events += 1
            try body(event, lineNumber)
        }

        while true {
            let chunk: Data
            do {
                chunk = try file.read(upToCount: chunkSize) ?? Data()
            } catch {
                throw PolyphonyError.io("read failed: \(Self.reason(error))", file: path)
            }
            if chunk.isEmpty { break }
            pending.append(contentsOf: chunk)
            let consumed = try pending.withUnsafeBytes { bytes -> Int in
                var start = 0
                while start < bytes.count,
                      let found = memchr(bytes.baseAddress! + start, 0x0A, bytes.count - start) {
                    let newline = bytes.baseAddress!.distance(to: UnsafeRawPointer(found))
                    try handle(line: UnsafeRawBufferPointer(rebasing: bytes[start..<newline]), complete: true)
                    start = newline + 1
                }
                return start
            }
            pending.removeFirst(consumed)
        }
        if !pending.isEmpty {
            try pending.withUnsafeBytes { try handle(line: $0, complete: false) }
        }
        if summary.events == 0 {
            let reason = summary.truncated ? "no complete session event (the only line is cut off)" : "empty transcript: no session event"
            throw PolyphonyError.invalidInput(reason, file: path)
        }
        return summary
    }

    /// Reads every event into memory. Prefer ``forEach(_:)`` for large files.
    public func readAll() throws -> (events: [TranscriptEvent], summary: Summary) {
        var events: [TranscriptEvent] = []
        let summary = try forEach { event, _ in events.append(event) }
        return (events, summary)
    }

    /// The event `line` (without its newline) holds, exactly as the reader would accept it, or
    /// `nil` when it holds none: what a writer reopening the file keeps rather than cuts off.
    /// - Parameters:
    ///   - file: The transcript, for the error.
    ///   - number: The line's 1-based number, when known.
    /// - Throws: ``PolyphonyError/unsupportedSchema(_:file:line:)`` for a header of a version
    ///   this build cannot read: such a line is whole, and must not be taken for a fragment.
    static func event(in line: Data, file: String, line number: Int?) throws -> TranscriptEvent? {
        do {
            return try line.withUnsafeBytes { bytes in
                try TranscriptReader(path: file).decode(bytes, decoder: TranscriptCoding.makeDecoder(), lineNumber: number ?? 0)
            }
        } catch let error as PolyphonyError where error.isUnsupportedSchema {
            throw PolyphonyError.unsupportedSchema(error.message, file: file, line: number)
        } catch {
            return nil
        }
    }

    /// The operating system's words for a failed read, without Foundation's error domain.
    private static func reason(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let code = underlying?.domain == NSPOSIXErrorDomain ? underlying?.code : nil {
            return errorText(Int32(code))
        }
        return (error as NSError).domain == NSPOSIXErrorDomain ? errorText(Int32((error as NSError).code)) : "the file could not be read"
    }

    /// The event a line holds: from ``TranscriptLineDecoder`` when it takes the line (never a
    /// session header, so no version to check), else from `JSONDecoder`, whose errors name the field.
    private func decode(_ bytes: UnsafeRawBufferPointer, decoder: JSONDecoder, lineNumber: Int) throws -> TranscriptEvent {
        if decoding == .fast, let event = TranscriptLineDecoder.event(bytes) {
            return event
        }
        if bytes.isEmpty {
            throw PolyphonyError.invalidInput("empty line", file: path, line: lineNumber)
        }
        let line = Data(bytes)
        let event: TranscriptEvent
        do {
            event = try decoder.decode(TranscriptEvent.self, from: line)
        } catch let error as DecodingError {
            throw PolyphonyError.invalidInput(Self.describe(error, line: line), file: path, line: lineNumber)
        } catch {
            throw PolyphonyError.invalidInput("not a transcript event: \(error)", file: path, line: lineNumber)
        }
        if case .session(let header) = event, header.schemaVersion != SessionHeader.currentSchemaVersion {
            throw PolyphonyError.unsupportedSchema(
                "transcript schema version \(header.schemaVersion) is not supported; this build reads version \(SessionHeader.currentSchemaVersion)",
                file: path, line: lineNumber
            )
        }
        return event
    }

    /// Shortens a `DecodingError` to one line that names the field in the file's own spelling.
    static func describe(_ error: DecodingError, line: Data) -> String {
        func field(_ path: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            let keys = (path + (last.map { [$0] } ?? [])).map { key in
                key.intValue.map { "[\($0)]" } ?? snakeCase(key.stringValue)
            }
            return keys.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field '\(field(context.codingPath, key))'"
        case .typeMismatch(let type, let context):
            return "field '\(field(context.codingPath))' should be \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "field '\(field(context.codingPath))' is null, expected \(typeName(type))"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return "not valid JSON"
            }
            if context.codingPath.last?.stringValue == "type" {
                let found = (try? JSONSerialization.jsonObject(with: line) as? [String: Any])?["type"] as? String
                return "unknown event type '\(found ?? "?")' (expected one of: \(TranscriptEvent.EventType.allCases.map(\.rawValue).joined(separator: ", ")))"
            }
            return "field '\(field(context.codingPath))' has an invalid value"
        @unknown default:
            return "not a transcript event"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is UInt64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default: "\(type)".contains("Array") ? "a list" : "an object"
        }
    }
}

/// `camelCase` to `snake_case`, matching `JSONEncoder.KeyEncodingStrategy.convertToSnakeCase`
/// for the keys Polyphony uses.
func snakeCase(_ key: String) -> String {
    var result = ""
    for character in key {
        if character.isUppercase {
            if !result.isEmpty { result.append("_") }
            result.append(contentsOf: character.lowercased())
        } else {
            result.append(character)
        }
    }
    return result
}
