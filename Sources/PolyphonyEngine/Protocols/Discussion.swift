import PolyphonyCore
import PolyphonyTranscript

/// Formats what speakers see of the session so far.
enum Discussion {
    /// Prompts keep at most this many characters of history, dropping the oldest first,
    /// so long sessions fit small context windows.
    static let maxCharacters = 12_000

    /// Every turn of the given phases so far, with each turn's ideas and their ids.
    static func transcript(turns: [TurnRecord], ideas: [IdeaRecordView], cast: Cast, phases: Set<String>? = nil) -> String {
        let names = Dictionary(cast.everyone.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let ideasByTurn = Dictionary(grouping: ideas.filter { $0.turn != nil }, by: { $0.turn ?? -1 })
        return transcript(turns: turns, ideasOfTurn: { ideasByTurn[$0] ?? [] }, names: names, phases: phases)
    }

    /// Every turn of the given phases so far, reading only the newest turns that fit in
    /// ``maxCharacters``: the result equals clipping the whole history, at a cost that does
    /// not grow with it.
    static func transcript(
        turns: [TurnRecord], ideasOfTurn: (Int) -> [IdeaRecordView], names: [String: String], phases: Set<String>? = nil
    ) -> String {
        var position = turns.endIndex
        return clipNewest(separator: "\n\n") {
            while position > turns.startIndex {
                position -= 1
                let turn = turns[position]
                guard !turn.phase.hasPrefix("inject:"), phases?.contains(turn.phase) ?? true else { continue }
                let own = ideasOfTurn(turn.index)
                let name = names[turn.speaker] ?? turn.speaker
                let body = own.isEmpty ? turn.response.trimmingCharacters(in: .whitespacesAndNewlines) : own.map { "[\($0.id)] \($0.text)" }.joined(separator: "\n")
                return "\(name) (round \(turn.round), \(turn.phase)):\n\(body)"
            }
            return nil
        }
    }

    /// Ideas as an anonymous pool: `[i3] text` per line.
    static func pool(_ ideas: [IdeaRecordView]) -> String {
        var position = ideas.endIndex
        return clipNewest(separator: "\n") {
            guard position > ideas.startIndex else { return nil }
            position -= 1
            return "[\(ideas[position].id)] \(ideas[position].text)"
        }
    }

    /// `clip` of the pieces joined oldest first, where `next` yields them newest first (`nil`
    /// when there are no more); reads only as many pieces as the clip keeps.
    static func clipNewest(separator: String, _ next: () -> String?) -> String {
        var taken: [String] = []
        var estimate = 0
        while let piece = next() {
            taken.append(piece)
            estimate += piece.count + (taken.count > 1 ? separator.count : 0)
            // Joining can merge characters across a seam, so confirm on the joined text.
            if estimate > maxCharacters {
                let joined = taken.reversed().joined(separator: separator)
                if joined.count > maxCharacters { return clip(joined) }
            }
        }
        return clip(taken.reversed().joined(separator: separator))
    }

    static func clip(_ text: String) -> String {
        guard text.count > maxCharacters else { return text }
        return "(earlier discussion omitted)\n" + String(text.suffix(maxCharacters))
    }
}
