import Foundation
import PolyphonyCore

/// Cuts a byte stream into SSE events or JSON lines, whatever the network chunking was.
public struct StreamFramer: Sendable {
    private let framing: StreamFraming
    private var pending = Data()
    private var event: String?
    private var dataLines: [String] = []

    /// A framer for bodies framed as `framing`.
    public init(framing: StreamFraming) { self.framing = framing }

    /// Feeds bytes and returns the frames they completed.
    public mutating func append(_ bytes: Data) -> [StreamFrame] {
        pending.append(bytes)
        var frames: [StreamFrame] = []
        while let newline = pending.firstIndex(of: 0x0A) {
            var line = pending[pending.startIndex..<newline]
            if line.last == 0x0D { line = line.dropLast() }
            let text = String(decoding: line, as: UTF8.self)
            pending = Data(pending[pending.index(after: newline)...])
            if let frame = take(line: text) { frames.append(frame) }
        }
        return frames
    }

    /// Returns a last frame left without its terminating newline or blank line, if any.
    public mutating func finish() -> [StreamFrame] {
        var frames: [StreamFrame] = []
        if !pending.isEmpty {
            let text = String(decoding: pending, as: UTF8.self).trimmingCharacters(in: .newlines)
            pending.removeAll()
            if let frame = take(line: text) { frames.append(frame) }
        }
        if let frame = take(line: "") { frames.append(frame) }
        return frames
    }

    private mutating func take(line: String) -> StreamFrame? {
        switch framing {
        case .jsonLines:
            let trimmed = line.trimmingSpacesAndTabs()
            return trimmed.isEmpty ? nil : StreamFrame(data: trimmed)
        case .serverSentEvents:
            if line.isEmpty {
                defer { event = nil; dataLines = [] }
                return dataLines.isEmpty ? nil : StreamFrame(event: event, data: dataLines.joined(separator: "\n"))
            }
            if line.hasPrefix(":") { return nil }
            let (field, value) = Self.split(line)
            switch field {
            case "event": event = value
            case "data": dataLines.append(value)
            default: break
            }
            return nil
        }
    }

    private static func split(_ line: String) -> (String, String) {
        guard let colon = line.firstIndex(of: ":") else { return (line, "") }
        var value = line[line.index(after: colon)...]
        if value.first == " " { value = value.dropFirst() }
        return (String(line[..<colon]), String(value))
    }
}
