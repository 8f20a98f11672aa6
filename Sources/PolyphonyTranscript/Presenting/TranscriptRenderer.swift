import Foundation

/// Renders transcript events as text a person reads: who said what, round by round.
///
/// Rendering is incremental (one event at a time) so `transcript show` and `replay` stream
/// a file of any size.
public struct TranscriptRenderer: Sendable {
    /// Show the prompts each agent was sent, not only its answers.
    public var showMessages: Bool
    /// Cut each response after this many characters; `nil` shows everything.
    public var maxResponseCharacters: Int?

    public init(showMessages: Bool = false, maxResponseCharacters: Int? = nil) {
        self.showMessages = showMessages
        self.maxResponseCharacters = maxResponseCharacters
    }

    /// Tracks the round so a heading is printed when it changes.
    public struct State: Sendable {
        var round: Int?
        var phase: String?
        var names: [String: String] = [:]
        public init() {}
    }

    /// The text for one event, updating `state`.
    public func render(_ event: TranscriptEvent, state: inout State) -> String {
        switch event {
        case .session(let header):
            for participant in header.participants {
                state.names[participant.id] = participant.persona.name
            }
            var text = "Session \(header.sessionId) — \(header.protocolName), \(header.rounds) round(s)\n"
            text += "Started \(ISO8601DateFormatter().string(from: header.startedAt))"
            if let seed = header.seed { text += ", seed \(seed)" }
            text += "\nTopic: \(header.topic.trimmingCharacters(in: .whitespacesAndNewlines))\nParticipants:\n"
            for participant in header.participants {
                let persona = participant.persona
                let expertise = persona.expertise.isEmpty ? "no declared expertise" : persona.expertise.joined(separator: ", ")
                let model = [participant.backend, participant.model].compactMap { $0 }.joined(separator: "/")
                text += "  - \(persona.name) [\(participant.id), \(persona.role.rawValue)] \(expertise)"
                text += model.isEmpty ? "\n" : " — \(model)\n"
            }
            return text
        case .turn(let turn):
            var text = ""
            if state.round != turn.round {
                state.round = turn.round
                state.phase = nil
                text += "\n== Round \(turn.round) ==\n"
            }
            if state.phase != turn.phase {
                state.phase = turn.phase
                text += "-- \(turn.phase) --\n"
            }
            let name = state.names[turn.speaker] ?? turn.speaker
            var details: [String] = []
            if turn.kind == .human { details.append("human") }
            if let model = turn.model { details.append(model) }
            if let usage = turn.usage, usage.total > 0 { details.append("\(usage.total) tokens") }
            if let latency = turn.latencyMs { details.append(String(format: "%.0f ms", latency)) }
            if let attempts = turn.attempts, attempts > 1 { details.append("\(attempts) attempts") }
            text += "\n\(name)" + (details.isEmpty ? "" : " (\(details.joined(separator: ", ")))") + ":\n"
            if showMessages, let messages = turn.messages {
                for message in messages {
                    text += indent("[\(message.role.rawValue)] \(message.content)", by: "    | ") + "\n"
                }
            }
            var response = turn.response
            if let limit = maxResponseCharacters, response.count > limit {
                response = String(response.prefix(limit)) + " …"
            }
            text += indent(response, by: "  ") + "\n"
            return text
        case .idea(let idea):
            let name = state.names[idea.author] ?? idea.author
            let parents = idea.parents.isEmpty ? "" : " (builds on \(idea.parents.joined(separator: ", ")))"
            return "  * idea \(idea.id) by \(name)\(parents): \(idea.text)\n"
        case .note(let note):
            return "  [note] \(note.text)\n"
        case .end(let end):
            let totals = end.totals
            var text = "\nEnded: \(end.status.rawValue)"
            if let reason = end.reason { text += " — \(reason)" }
            text += "\n\(totals.turns) turns, \(totals.ideas) ideas, \(totals.promptTokens) prompt + \(totals.completionTokens) completion tokens\n"
            return text
        }
    }

    private func indent(_ text: String, by prefix: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { prefix + $0 }
            .joined(separator: "\n")
    }
}
