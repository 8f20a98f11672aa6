/// One idea to score, with everything the breakdowns group by.
///
/// Ideas come from transcripts (one per `idea` event) or from idea lists (one per CSV row
/// or JSONL line). Nothing about an idea is dropped on the way in: an idea whose author is
/// unknown is still scored, with a warning on its source.
public struct InputIdea: Sendable, Hashable, Codable {
    /// Who produced an idea: a model-backed participant or a person.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case agent, human
    }

    /// The idea's id in its source (the transcript's idea id, or `row-N` for idea lists).
    public var id: String
    public var text: String
    public var author: String
    public var kind: Kind
    /// The ideation round, when the source records one.
    public var round: Int?
    /// The condition the idea belongs to: a protocol name, a `--group` label or a list's group column.
    public var group: String
    /// The topic or prompt the idea answers, when known; used for distance-from-prompt.
    public var prompt: String?
    /// The id of the source: a transcript's session id or an idea list's file name.
    public var source: String
    /// The 1-based line of the source file the idea was read from.
    public var line: Int?

    public init(
        id: String, text: String, author: String, kind: Kind, round: Int? = nil, group: String,
        prompt: String? = nil, source: String, line: Int? = nil
    ) {
        self.id = id
        self.text = text
        self.author = author
        self.kind = kind
        self.round = round
        self.group = group
        self.prompt = prompt
        self.source = source
        self.line = line
    }

    /// The key participants are grouped by: the same persona in two conditions counts twice.
    public var participantKey: String { "\(group)/\(author)" }
}
