/// A file the ideas were read from, as reports list it.
public struct IdeaSource: Sendable, Hashable, Codable {
    /// What kind of file a source was.
    public enum Kind: String, Sendable, Hashable, Codable {
        case transcript
        /// Written `idea_list`: values in `--json` output are snake_case like its keys.
        case ideaList = "idea_list"
    }

    /// A transcript's session id, or an idea list's file name.
    public var id: String
    public var path: String
    public var kind: Kind
    /// The group its ideas were put in when the file did not say (a protocol name or `--group`).
    public var group: String
    /// The session topic, for transcripts.
    public var topic: String?
    public var ideaCount: Int
    /// Tolerated problems: a transcript cut off mid-line, authors missing from the header.
    public var warnings: [String]

    public init(
        id: String, path: String, kind: Kind, group: String, topic: String? = nil, ideaCount: Int,
        warnings: [String] = []
    ) {
        self.id = id
        self.path = path
        self.kind = kind
        self.group = group
        self.topic = topic
        self.ideaCount = ideaCount
        self.warnings = warnings
    }
}
