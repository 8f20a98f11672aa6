import Foundation

extension ChatRequest {
    /// The content address of a conversation: SHA-256 hex of the messages' canonical JSON
    /// (`[{"content":…,"role":…}]`, keys sorted, as `JSONEncoder` with sorted keys and unescaped
    /// slashes writes it). Transcripts record it for every agent turn, and the replay backend
    /// matches requests by it.
    package static func messagesDigest(_ messages: [ChatMessage]) -> String {
        // Written directly rather than through JSONEncoder: this runs for every turn.
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        bytes.reserveCapacity(messages.reduce(16) { $0 + $1.content.utf8.count + 32 })
        for (index, message) in messages.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: #"{"content":"#.utf8)
            CanonicalJSON.appendString(message.content, to: &bytes)
            bytes.append(contentsOf: #","role":"#.utf8)
            CanonicalJSON.appendString(message.role.rawValue, to: &bytes)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "]"))
        return SHA256.hex(bytes)
    }
}
