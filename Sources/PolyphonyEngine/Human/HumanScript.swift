/// The lines of a `--human-script` file (or an experiment condition's `human_script`), read
/// in session order by a scripted ``HumanSlot``.
///
/// The syntax is what a person would type, plus placement markers:
///
/// - each human turn that asks takes the next answer: lines up to an empty line, or a lone
///   `/skip` or `/end`; `/idea TEXT` lines add explicit ideas;
/// - an `/inject TEXT` line reaches every agent at the start of the phase that follows the
///   human turn it stands after (injects before the first answer: the first phase);
/// - `@round N` and `@phase NAME` lines place what follows them explicitly: `/inject` lines
///   after them are delivered at the start of the first phase of round N (named NAME), and an
///   answer after them goes to the first human turn in round N (in phase NAME); human turns
///   that ask earlier are skipped. A placement already passed applies at once.
public struct HumanScript: Sendable, Hashable {
    /// The script's lines, without their line feeds.
    public let lines: [String]

    /// - Parameter lines: The lines in order.
    public init(lines: [String]) {
        self.lines = lines
    }

    /// Splits `text` into lines; a final line feed does not add an empty line.
    public init(text: String) {
        var lines = text.components(separatedBy: "\n").map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        if lines.last == "" { lines.removeLast() }
        self.lines = lines
    }

    /// Where a marker places what follows it; `nil` parts match anything.
    struct Placement: Sendable, Hashable {
        var round: Int?
        var phase: String?

        /// Whether a turn or phase start at (`round`, `phase`) is the place, or comes after it.
        func reached(round current: Int, phase currentPhase: String) -> Bool {
            if let round, current < round { return false }
            if let round, current > round { return true }
            return phase == nil || phase == currentPhase
        }

        func merged(with other: Placement) -> Placement {
            Placement(round: other.round ?? round, phase: other.phase ?? phase)
        }
    }

    /// What one line means to the script reader.
    enum Line: Equatable {
        case inject(String)
        case marker(Placement)
        case text(String)
    }

    static func classify(_ line: String) -> Line {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed == "/inject" || trimmed.hasPrefix("/inject ") {
            return .inject(String(trimmed.dropFirst("/inject".count)).trimmingCharacters(in: .whitespaces))
        }
        if trimmed.hasPrefix("@round "), let round = Int(trimmed.dropFirst("@round ".count).trimmingCharacters(in: .whitespaces)) {
            return .marker(Placement(round: round))
        }
        if trimmed.hasPrefix("@phase ") {
            let phase = trimmed.dropFirst("@phase ".count).trimmingCharacters(in: .whitespaces)
            if !phase.isEmpty { return .marker(Placement(phase: phase)) }
        }
        return .text(line)
    }
}
