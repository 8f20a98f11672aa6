import Foundation
import PolyphonyCore
import PolyphonyEngine
import PolyphonyTranscript

/// Shows a running session: phases, who is speaking (streamed), ideas, tokens.
///
/// `--json-events` prints every event as one JSON line on stdout for other programs;
/// `--quiet` prints nothing until the summary. Colour only on a TTY and only without NO_COLOR.
struct TerminalView: Sendable {
    enum Mode: Sendable { case live, quiet, json }

    let mode: Mode
    let color: Bool
    /// Where live output goes; the human seat's prompts go through it too.
    let screen: TerminalScreen

    init(mode: Mode, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.mode = mode
        self.color = mode == .live && isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"] == nil
        self.screen = TerminalScreen(output: mode == .json ? .standardError : .standardOutput)
    }

    /// Consumes the session's events until the stream finishes.
    /// - Parameter header: The session's header, for names and the topic when a resumed
    ///   session does not record it again.
    func consume(_ events: AsyncStream<SessionEvent>, header: SessionHeader? = nil) async {
        var names: [String: String] = [:]
        var humans: Set<String> = []
        func learn(_ header: SessionHeader) {
            for participant in header.participants {
                names[participant.id] = participant.persona.name
                if participant.persona.isHuman { humans.insert(participant.id) }
            }
        }
        if let header { learn(header) }
        var streaming: String?
        var tokens = 0
        var ideas = 0
        for await event in events {
            switch mode {
            case .quiet:
                continue
            case .json:
                write(Self.json(event))
            case .live:
                if case .notice(let text) = event {
                    screen.notice(text)
                    continue
                }
                if case .recorded(.session(let header)) = event { learn(header) }
                if case .turnStarted(let speaker, _, _) = event, humans.contains(speaker) { continue }
                var isTurn = false
                if case .recorded(.turn) = event { isTurn = true }
                screen.write(render(event, names: names, streaming: &streaming, tokens: &tokens, ideas: &ideas), isTurn: isTurn)
            }
        }
    }

    private func render(_ event: SessionEvent, names: [String: String], streaming: inout String?, tokens: inout Int, ideas: inout Int) -> String {
        switch event {
        case .phaseStarted(let round, let phase, let speakers, let parallel):
            let who = speakers.map { names[$0] ?? $0 }.joined(separator: ", ")
            return "\n" + bold("── round \(round) · \(phase)") + dim(parallel ? "  (in parallel: \(who))" : "  (\(who))") + "\n"
        case .turnStarted(let speaker, _, _):
            let separator = streaming == nil ? "" : "\n"
            streaming = nil
            return separator + dim("… \(names[speaker] ?? speaker) is thinking\n")
        case .delta(let speaker, let text):
            var output = ""
            if streaming != speaker {
                streaming = speaker
                output += bold("\(names[speaker] ?? speaker): ")
            }
            return output + text
        case .notice(let text):
            return "  (\(text))\n"
        case .recorded(let recorded):
            switch recorded {
            case .session(let header):
                return bold("Session \(header.sessionId)") + " — \(header.protocolName), \(header.rounds) round(s), \(header.participants.count) participants\n"
                    + bold("Topic: ") + header.topic.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
            case .turn(let turn):
                tokens += turn.usage?.total ?? 0
                let name = names[turn.speaker] ?? turn.speaker
                var meta: [String] = []
                if let usage = turn.usage, usage.total > 0 { meta.append("\(usage.total) tokens") }
                if let latency = turn.latencyMs { meta.append(String(format: "%.1f s", latency / 1000)) }
                if let attempts = turn.attempts, attempts > 1 { meta.append("\(attempts) attempts") }
                if turn.cached == true { meta.append("cached") }
                if turn.kind == .human { meta.append("human") }
                let metaText = dim(" [\(meta.joined(separator: ", ")); session \(tokens) tokens]")
                if streaming == turn.speaker {
                    streaming = nil
                    return metaText + "\n"
                }
                let shown = turn.response.count > 600 ? String(turn.response.prefix(600)) + " …" : turn.response
                return bold("\(name):") + metaText + "\n" + shown.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
            case .idea(let idea):
                ideas += 1
                return dim("  + \(idea.id) \(names[idea.author] ?? idea.author): ") + idea.text + "\n"
            case .note(let note):
                return dim("  [note] \(note.text)\n")
            case .end(let end):
                return "\n" + bold("Session \(end.status.rawValue)") + (end.reason.map { " — \($0)" } ?? "")
                    + " · \(end.totals.turns) turns, \(end.totals.ideas) ideas, \(end.totals.promptTokens + end.totals.completionTokens) tokens\n"
            }
        }
    }

    /// The stable `--json-events` line for an event: transcript events as written to the
    /// transcript, live events with `type` phase_started, turn_started or delta.
    static func json(_ event: SessionEvent) -> String {
        let object: [String: Any]
        switch event {
        case .recorded(let recorded):
            let encoder = TranscriptCoding.makeEncoder()
            return ((try? encoder.encode(recorded)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
        case .phaseStarted(let round, let phase, let speakers, let parallel):
            object = ["type": "phase_started", "round": round, "phase": phase, "speakers": speakers, "parallel": parallel]
        case .turnStarted(let speaker, let round, let phase):
            object = ["type": "turn_started", "speaker": speaker, "round": round, "phase": phase]
        case .delta(let speaker, let text):
            object = ["type": "delta", "speaker": speaker, "text": text]
        case .notice(let text):
            object = ["type": "notice", "text": text]
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private func write(_ text: String) {
        guard !text.isEmpty else { return }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    private func bold(_ text: String) -> String { color ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    private func dim(_ text: String) -> String { color ? "\u{1B}[2m\(text)\u{1B}[0m" : text }
}
