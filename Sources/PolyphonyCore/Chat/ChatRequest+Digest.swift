import Foundation

extension ChatRequest {
    /// The digest transcripts record for the messages of a turn: the lowercase SHA-256 hex of
    /// the messages' canonical JSON (`JSONEncoder` with `.sortedKeys`, no other options).
    ///
    /// Replay compares these digests to tell that a re-run asks exactly what the recording asked.
    public static func messagesDigest(_ messages: [ChatMessage]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding an array of two-string structs cannot fail; the fallback keeps this total.
        let data = (try? encoder.encode(messages)) ?? Data(messages.map { "\($0.role.rawValue):\($0.content)" }.joined(separator: "\n").utf8)
        return SHA256.hex(data)
    }

    /// ``messagesDigest(_:)`` of this request's messages.
    public var messagesDigest: String { Self.messagesDigest(messages) }
}
