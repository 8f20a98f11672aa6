import PolyphonyCore

/// All ideas of one scoring run, from every transcript and idea list, in input order.
public struct IdeaPool: Sendable, Hashable {
    public private(set) var ideas: [InputIdea] = []
    public private(set) var sources: [IdeaSource] = []

    public init() {}

    /// Builds a pool from ideas already in memory, under one synthetic source.
    public init(ideas: [InputIdea], source: IdeaSource) {
        self.ideas = ideas
        self.sources = [source]
    }

    /// Adds a source's ideas at the end.
    /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` when the same transcript is
    ///   given twice, which would count its ideas double.
    public mutating func add(_ ideas: [InputIdea], from source: IdeaSource) throws {
        if source.kind == .transcript, let earlier = sources.first(where: { $0.kind == .transcript && $0.id == source.id }) {
            throw PolyphonyError.invalidInput(
                "session \(source.id) was already read from \(earlier.path); each transcript may be scored once",
                file: source.path)
        }
        self.ideas.append(contentsOf: ideas)
        sources.append(source)
    }

    /// Reads transcripts and idea lists into one pool.
    /// - Parameters:
    ///   - transcripts: Transcript paths (the CLI has expanded globs).
    ///   - ideaLists: CSV or JSONL idea-list paths.
    ///   - group: A label that replaces the transcripts' protocol names as their group (the older `--group LABEL`).
    ///   - grouping: How transcripts are grouped, and labels chosen per file (`--group-by`, `--group PATH=LABEL`).
    ///   - ideaListGroup: The group for idea-list rows without a `group` column (default: the file's base name).
    ///   - prompt: The prompt for idea-list rows that name none (default: the transcripts' topic when they share one).
    /// - Throws: ``PolyphonyError`` for the first unreadable or malformed file, or a label
    ///   chosen for a file that is not among the inputs.
    public static func load(
        transcripts: [String], ideaLists: [String] = [], group: String? = nil, grouping: IdeaGrouping = IdeaGrouping(),
        ideaListGroup: String? = nil, prompt: String? = nil
    ) throws -> IdeaPool {
        if let unmatched = grouping.unmatchedPaths(inputs: transcripts + ideaLists).first {
            throw PolyphonyError.invalidInput("--group \(unmatched)=…: that file is not among the transcripts and idea lists scored")
        }
        var pool = IdeaPool()
        let transcriptReader = TranscriptIdeaReader(
            groupOverride: group, grouping: grouping, fileNames: IdeaGrouping.fileNames(for: transcripts))
        for path in transcripts {
            let (ideas, source) = try transcriptReader.read(path: path)
            try pool.add(ideas, from: source)
        }
        // An idea list without a prompt column answers the transcripts' topic when they share one.
        let topics = Set(pool.sources.compactMap(\.topic))
        let listReader = IdeaListReader(defaultGroup: ideaListGroup, defaultPrompt: prompt ?? (topics.count == 1 ? topics.first : nil))
        for path in ideaLists {
            var reader = listReader
            if let label = grouping.label(for: path) { reader.defaultGroup = label }
            let (ideas, source) = try reader.read(path: path)
            try pool.add(ideas, from: source)
        }
        return pool
    }
}
