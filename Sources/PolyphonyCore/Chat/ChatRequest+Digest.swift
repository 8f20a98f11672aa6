import Foundation

extension ChatRequest {
    /// The content address of a conversation: SHA-256 hex of the messages' canonical JSON
    /// (`[{"content":…,"role":…}]`, keys sorted). Transcripts record it for every agent turn,
    /// and the replay backend matches requests by it.
    package static func messagesDigest(_ messages: [ChatMessage]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(messages)) ?? Data()
        return SHA256.hex(data)
    }
}
