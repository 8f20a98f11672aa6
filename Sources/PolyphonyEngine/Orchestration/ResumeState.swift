import PolyphonyCore

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
            case .note:
                break
            case .end(let end):
                lastEndStatus = end.status
            }
        }
    }

    /// Whether this state came from an earlier run.
    public var isResuming: Bool { header != nil }

    func turn(round: Int, phase: String, speaker: String) -> TurnRecord? {
        turns[Self.key(round, phase, speaker)]
    }

    func ideas(ofTurn index: Int) -> [IdeaRecord] { ideasByTurn[index] ?? [] }

    func injects(round: Int, phase: String) -> [TurnRecord] {
        injectsByPhase[Self.key(round, phase, nil)] ?? []
    }

    private static func key(_ round: Int, _ phase: String, _ speaker: String?) -> String {
        "\(round)\u{1F}\(phase)\u{1F}\(speaker ?? "")"
    }
}
