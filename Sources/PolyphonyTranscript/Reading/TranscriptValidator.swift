import Foundation
import PolyphonyCore

/// Checks a transcript beyond its JSON shape: the rules a reader of the file relies on.
public struct TranscriptValidator: Sendable {
    /// What a valid transcript contains.
    public struct Report: Sendable {
        public var header: SessionHeader?
        public var events = 0
        public var turns = 0
        public var humanTurns = 0
        public var ideas = 0
        /// The status of the last `end` event, or `nil` when the session was cut off.
        public var endStatus: EndRecord.Status?
        public var warnings: [String] = []
    }

    public init() {}

    /// Streams the file and checks it. The reader itself refuses a second header and a
    /// repeated turn index; this adds the rules that span lines.
    /// - Throws: ``PolyphonyError`` naming the file and line of the first broken rule.
    public func validate(path: String) throws -> Report {
        var report = Report()
        var participantIDs: Set<String> = []
        var ideaIDs: Set<String> = []
        var held = EndRecord.Totals()
        let summary = try TranscriptReader(path: path).forEach { event, line in
            switch event {
            case .session(let header):
                report.header = header
                participantIDs = Set(header.participants.map(\.id))
            case .turn(let turn):
                guard participantIDs.contains(turn.speaker) else {
                    throw PolyphonyError.invalidInput("turn by '\(turn.speaker)', who is not a participant of this session", file: path, line: line)
                }
                report.turns += 1
                if turn.kind == .human { report.humanTurns += 1 }
                held.turns += 1
                held.promptTokens += turn.usage?.promptTokens ?? 0
                held.completionTokens += turn.usage?.completionTokens ?? 0
            case .idea(let idea):
                guard participantIDs.contains(idea.author) else {
                    throw PolyphonyError.invalidInput("idea by '\(idea.author)', who is not a participant of this session", file: path, line: line)
                }
                guard ideaIDs.insert(idea.id).inserted else {
                    throw PolyphonyError.invalidInput("idea id '\(idea.id)' appears twice", file: path, line: line)
                }
                if let unknown = idea.parents.first(where: { !ideaIDs.contains($0) }) {
                    throw PolyphonyError.invalidInput("idea '\(idea.id)' builds on '\(unknown)', which does not come before it", file: path, line: line)
                }
                report.ideas += 1
                held.ideas += 1
            case .note:
                break
            case .end(let end):
                // Totals are cumulative over resumed runs: every end counts what precedes it.
                if let difference = Self.difference(recorded: end.totals, held: held) {
                    throw PolyphonyError.invalidInput("end totals disagree with the file: \(difference)", file: path, line: line)
                }
                report.endStatus = end.status
            }
        }
        report.events = summary.events
        report.warnings = summary.warnings
        if report.endStatus == nil {
            report.warnings.append("\(path): no end event: the session was cut off (it can be resumed with `polyphony run --resume`)")
        }
        return report
    }

    /// What differs between an `end` event's totals and the events before it, or `nil`.
    private static func difference(recorded: EndRecord.Totals, held: EndRecord.Totals) -> String? {
        let fields = [
            ("turns", recorded.turns, held.turns), ("ideas", recorded.ideas, held.ideas),
            ("prompt_tokens", recorded.promptTokens, held.promptTokens),
            ("completion_tokens", recorded.completionTokens, held.completionTokens),
        ]
        let wrong = fields.filter { $0.1 != $0.2 }.map { "\($0.0) \($0.1) but the lines before it hold \($0.2)" }
        return wrong.isEmpty ? nil : wrong.joined(separator: "; ")
    }
}
