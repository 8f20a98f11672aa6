import PolyphonyCore
import PolyphonyTranscript

/// What an interrupted run of a session recorded, indexed for reuse by the next run.
///
/// Protocols are deterministic in who speaks when, so a resumed run walks the same phases;
/// a turn already recorded for (round, phase, speaker) is reused instead of asked again,
/// which leaves every turn in the final transcript exactly once.
public struct ResumeState: Sendable {
    public private(set) var header: SessionHeader?
    public private(set) var turns: [String: TurnRecord] = [:]
    private var ideasByTurn: [Int: [IdeaRecord]] = [:]
    private var injectsByPhase: [String: [TurnRecord]] = [:]
    /// Human turns an earlier run skipped (`/skip`, silence, end of input), by (round, phase, speaker).
    private var skips: Set<String> = []
    public private(set) var nextTurnIndex = 0
    public private(set) var nextIdeaNumber = 1
    public private(set) var totals = EndRecord.Totals()
    /// The status of the last `end` event, when the earlier run wrote one.
    public private(set) var lastEndStatus: EndRecord.Status?

    /// An empty state: a fresh session.
    public init() {}

    /// Indexes the events of an earlier run.
    public init(events: [TranscriptEvent]) {
        for event in events {
            switch event {
            case .session(let header):
                self.header = header
            case .turn(let turn):
                if turn.phase.hasPrefix("inject:") {
                    injectsByPhase[Self.key(turn.round, turn.phase, nil), default: []].append(turn)
                } else {
                    turns[Self.key(turn.round, turn.phase, turn.speaker)] = turn
                }
                nextTurnIndex = max(nextTurnIndex, turn.index + 1)
                totals.turns += 1
                totals.promptTokens += turn.usage?.promptTokens ?? 0
                totals.completionTokens += turn.usage?.completionTokens ?? 0
            case .idea(let idea):
                if let turn = idea.turn { ideasByTurn[turn, default: []].append(idea) }
                if idea.id.hasPrefix("i"), let number = Int(idea.id.dropFirst()) {
                    nextIdeaNumber = max(nextIdeaNumber, number + 1)
                }
                totals.ideas += 1
            case .note(let note):
                if let skip = Self.parseSkipNote(note.text) { skips.insert(Self.key(skip.round, skip.phase, skip.speaker)) }
                if let speaker = Self.parseEndNote(note.text), let round = note.round { endedByHuman = (speaker, round) }
            case .end(let end):
                lastEndStatus = end.status
            }
        }
    }

    /// The human who ended the session with `/end`, and in which round.
    public private(set) var endedByHuman: (speaker: String, round: Int)?

    /// Whether this state came from an earlier run.
    public var isResuming: Bool { header != nil }

    func turn(round: Int, phase: String, speaker: String) -> TurnRecord? {
        turns[Self.key(round, phase, speaker)]
    }

    /// Whether an earlier run recorded this human turn as skipped.
    func skipped(round: Int, phase: String, speaker: String) -> Bool {
        skips.contains(Self.key(round, phase, speaker))
    }

    /// The note recorded when a human turn passes: `human skipped round 2 write: REASON`.
    static func skipNote(speaker: String, round: Int, phase: String, reason: String) -> String {
        "\(speaker) skipped round \(round) \(phase): \(reason)"
    }

    /// The speaker, round and phase of a note written by ``skipNote(speaker:round:phase:reason:)``.
    static func parseSkipNote(_ text: String) -> (speaker: String, round: Int, phase: String)? {
        let words = text.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: false)
        guard words.count == 5, words[1] == "skipped", words[2] == "round", let round = Int(words[3]),
              words[4].contains(":")
        else { return nil }
        let phase = words[4].prefix { $0 != ":" }
        guard !phase.isEmpty, words[4].dropFirst(phase.count).hasPrefix(": ") || words[4].dropFirst(phase.count) == ":" else { return nil }
        return (String(words[0]), round, String(phase))
    }

    /// The note recorded when a human ends the session: `human ended the session with /end`.
    static func endNote(speaker: String) -> String {
        "\(speaker) ended the session with /end"
    }

    /// The speaker of a note written by ``endNote(speaker:)``.
    static func parseEndNote(_ text: String) -> String? {
        let suffix = " ended the session with /end"
        guard text.hasSuffix(suffix) else { return nil }
        let speaker = text.dropLast(suffix.count)
        return speaker.isEmpty || speaker.contains(" ") ? nil : String(speaker)
    }

    func ideas(ofTurn index: Int) -> [IdeaRecord] { ideasByTurn[index] ?? [] }

    func injects(round: Int, phase: String) -> [TurnRecord] {
        injectsByPhase[Self.key(round, phase, nil)] ?? []
    }

    private static func key(_ round: Int, _ phase: String, _ speaker: String?) -> String {
        "\(round)\u{1F}\(phase)\u{1F}\(speaker ?? "")"
    }
}
