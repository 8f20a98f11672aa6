import Foundation

extension SessionPlan {
    /// A new session's id: its UTC start time to the second and six random hex digits, so two
    /// sessions started in the same second still differ (`20250301T120000-3fa2c1`).
    package static func newSessionID(startedAt started: Date) -> String {
        utcStamp(started, format: "yyyyMMdd'T'HHmmss") + "-" + String(UUID().uuidString.prefix(6)).lowercased()
    }

    /// Where `polyphony run` writes a transcript when neither `--out` nor the session's
    /// `output:` says: `transcripts/<UTC start>-<first six words of the topic>.jsonl`.
    package static func defaultTranscriptPath(topic: String, startedAt started: Date) -> String {
        let words = topic.lowercased().split { !$0.isLetter && !$0.isNumber }.prefix(6)
        let slug = words.joined(separator: "-").prefix(48)
        return "transcripts/\(utcStamp(started, format: "yyyyMMdd-HHmmss"))-\(slug.isEmpty ? "session" : String(slug)).jsonl"
    }

    private static func utcStamp(_ date: Date, format: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter.string(from: date)
    }
}
