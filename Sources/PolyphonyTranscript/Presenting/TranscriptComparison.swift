/// Compares a re-executed session with its recording: the same turns said the same things
/// from the same prompts, and the same ideas came out.
///
/// Timing, attempts, dates and notes are expected to differ and are ignored.
public struct TranscriptComparison: Sendable {
    /// One-line descriptions of every difference, in turn order.
    public private(set) var differences: [String] = []
    public private(set) var turnsCompared = 0
    public private(set) var ideasCompared = 0

    /// Whether the two sessions match.
    public var matches: Bool { differences.isEmpty }

    public init(recorded: [TranscriptEvent], rerun: [TranscriptEvent]) {
        func turns(_ events: [TranscriptEvent]) -> [String: TurnRecord] {
            var byKey: [String: TurnRecord] = [:]
            for case .turn(let turn) in events { byKey["round \(turn.round) \(turn.phase) \(turn.speaker)"] = turn }
            return byKey
        }
        func ideas(_ events: [TranscriptEvent]) -> [String] {
            events.compactMap { if case .idea(let idea) = $0 { "\(idea.id) by \(idea.author) in round \(idea.round): \(idea.text) ← \(idea.parents)" } else { nil } }
        }
        let before = turns(recorded)
        let after = turns(rerun)
        for key in before.keys.sorted(by: { (before[$0]?.index ?? 0) < (before[$1]?.index ?? 0) }) {
            guard let old = before[key] else { continue }
            turnsCompared += 1
            guard let new = after[key] else {
                differences.append("\(key): recorded, but the rerun never took this turn")
                continue
            }
            if old.kind == .agent, let digest = old.messagesDigest, digest != new.messagesDigest {
                differences.append("\(key): the prompt differs (digest \(digest.prefix(12)) recorded, \(new.messagesDigest?.prefix(12) ?? "none") rerun)")
            }
            if old.response != new.response {
                differences.append("\(key): the response differs")
            }
        }
        for key in after.keys.sorted() where before[key] == nil {
            differences.append("\(key): taken in the rerun but not in the recording")
        }
        let oldIdeas = ideas(recorded)
        let newIdeas = ideas(rerun)
        ideasCompared = oldIdeas.count
        for (old, new) in zip(oldIdeas, newIdeas) where old != new {
            differences.append("idea differs: recorded \"\(old)\", rerun \"\(new)\"")
        }
        if oldIdeas.count != newIdeas.count {
            differences.append("\(oldIdeas.count) ideas recorded, \(newIdeas.count) in the rerun")
        }
        // Identical turns that end differently (the rerun failed where the recording
        // completed) are not a match.
        func ending(_ events: [TranscriptEvent]) -> String {
            var last: EndRecord?
            for case .end(let end) in events { last = end }
            guard let last else { return "no end" }
            return last.status.rawValue + (last.reason.map { " (\($0))" } ?? "")
        }
        let recordedEnd = ending(recorded)
        let rerunEnd = ending(rerun)
        if recordedEnd != rerunEnd {
            differences.append("the recording ended \(recordedEnd), the rerun \(rerunEnd)")
        }
    }
}
