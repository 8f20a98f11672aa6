import PolyphonyCore

/// Formats what speakers see of the session so far.
enum Discussion {
    /// Prompts keep at most this many characters of history, dropping the oldest first,
    /// so long sessions fit small context windows.
    static let maxCharacters = 12_000

    /// Every turn of the given phases so far, with each turn's ideas and their ids.
    static func transcript(turns: [TurnRecord], ideas: [IdeaRecordView], cast: Cast, phases: Set<String>? = nil) -> String {
        let names = Dictionary(cast.everyone.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let ideasByTurn = Dictionary(grouping: ideas.filter { $0.turn != nil }, by: { $0.turn ?? -1 })
        var blocks: [String] = []
        for turn in turns where !turn.phase.hasPrefix("inject:") && (phases?.contains(turn.phase) ?? true) {
            let own = ideasByTurn[turn.index] ?? []
            let name = names[turn.speaker] ?? turn.speaker
            let body = own.isEmpty ? turn.response.trimmingCharacters(in: .whitespacesAndNewlines) : own.map { "[\($0.id)] \($0.text)" }.joined(separator: "\n")
            blocks.append("\(name) (round \(turn.round), \(turn.phase)):\n\(body)")
        }
        return clip(blocks.joined(separator: "\n\n"))
    }

    /// Ideas as an anonymous pool: `[i3] text` per line.
    static func pool(_ ideas: [IdeaRecordView]) -> String {
        clip(ideas.map { "[\($0.id)] \($0.text)" }.joined(separator: "\n"))
    }

    static func clip(_ text: String) -> String {
        guard text.count > maxCharacters else { return text }
        return "(earlier discussion omitted)\n" + String(text.suffix(maxCharacters))
    }
}
