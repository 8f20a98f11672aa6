/// What a protocol asks of one speaker in one phase: what they see and what to do.
public struct TurnBrief: Sendable {
    /// What the speaker sees: the discussion so far, a pool of ideas, critiques.
    public var context: String
    /// What to do now, in the second person.
    public var instruction: String
    /// How the answer becomes ideas.
    public var ideas: IdeaMode

    /// How a turn's answer becomes `idea` events.
    public enum IdeaMode: Sendable {
        /// Not at all: critiques, summaries, assignments.
        case none
        /// Each item of a list (or JSON array) is an idea.
        case list
        /// The whole answer is one idea (a synthesised proposal); `[i3]` citations become its parents.
        case whole
    }

    public init(context: String, instruction: String, ideas: IdeaMode) {
        self.context = context
        self.instruction = instruction
        self.ideas = ideas
    }

    /// Whether the answer is asked to be a list of ideas.
    var expectsIdeas: Bool { ideas == .list }
}

/// One speaker's contribution to a phase, after it was recorded.
public struct TurnOutcome: Sendable {
    public var speaker: String
    public var text: String
    public var ideas: [IdeaRecordView]
    /// The human let the turn pass (`/skip`, silence, end of input).
    public var skipped: Bool
}

/// An idea as protocols see it when building the next prompts.
public struct IdeaRecordView: Sendable, Hashable {
    public var id: String
    public var author: String
    public var round: Int
    public var text: String
    /// The index of the turn the idea came from.
    public var turn: Int?
}
