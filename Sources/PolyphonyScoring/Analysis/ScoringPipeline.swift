import PolyphonyCore

/// Scores transcripts and idea lists from files to one ``ScoreReport``: diversity, reference
/// novelty, the LLM judge and people's ratings (`polyphony score`).
///
/// The caller chooses the concrete parts (embedder, judge backend, settler, threshold) and
/// writes the outputs; this type runs the steps between in their one order.
public struct ScoringPipeline: Sendable {
    /// The files to score and how their ideas are grouped.
    public struct Inputs: Sendable {
        /// Transcript files (JSONL).
        public var transcripts: [String]
        /// Idea lists (.csv or .jsonl).
        public var ideaLists: [String]
        /// Reference pools (idea lists) to measure novelty against.
        public var references: [String]
        /// Ratings files written by `polyphony rate`.
        public var ratings: [String]
        /// How transcripts are grouped.
        public var grouping: IdeaGrouping
        /// One group label for every transcript (the deprecated bare `--group LABEL`).
        public var transcriptGroup: String?
        /// Group for idea-list rows without a group column.
        public var ideaListGroup: String?
        /// Prompt for idea-list (and reference pool) rows without one.
        public var prompt: String?

        /// - Parameters: see the properties of the same names.
        public init(
            transcripts: [String], ideaLists: [String] = [], references: [String] = [], ratings: [String] = [],
            grouping: IdeaGrouping = IdeaGrouping(), transcriptGroup: String? = nil, ideaListGroup: String? = nil,
            prompt: String? = nil
        ) {
            self.transcripts = transcripts
            self.ideaLists = ideaLists
            self.references = references
            self.ratings = ratings
            self.grouping = grouping
            self.transcriptGroup = transcriptGroup
            self.ideaListGroup = ideaListGroup
            self.prompt = prompt
        }
    }

    /// Computes the diversity metrics; its threshold and settler are used as given.
    public var analyzer: DiversityAnalyzer
    /// Embeds ideas (and prompts) for the embedding-based metrics.
    public var embedder: any Embedder
    /// Reference novelty's settings, used when there are reference pools.
    public var referenceNovelty = ReferenceNovelty()
    /// Rates every idea blind, when set.
    public var judge: QualityJudge?
    /// With ``judge``: a pairwise ranking too.
    public var tournament: SwissTournament?

    /// - Parameters:
    ///   - analyzer: Computes the diversity metrics; its seed also seeds the ratings' intervals.
    ///   - embedder: Embeds ideas for the embedding-based metrics.
    public init(analyzer: DiversityAnalyzer, embedder: any Embedder) {
        self.analyzer = analyzer
        self.embedder = embedder
    }

    /// Reads `inputs` and scores them.
    /// - Parameters:
    ///   - inputs: The files to score.
    ///   - ratings: People's ratings if already read from `inputs.ratings` (a caller reads them
    ///     before paying for anything, so a malformed line fails fast); read here when `nil`.
    /// - Returns: The report; people's ratings and their warnings are in `humanRatings`.
    /// - Throws: ``PolyphonyError`` when an input cannot be read, or the embedder or judge fails.
    public func score(_ inputs: Inputs, ratings: [Rating]? = nil) async throws -> ScoreReport {
        let ratings = try ratings ?? RatingsFile.read(paths: inputs.ratings)
        var analyzer = analyzer
        let pool = try IdeaPool.load(
            transcripts: inputs.transcripts, ideaLists: inputs.ideaLists, group: inputs.transcriptGroup, grouping: inputs.grouping,
            ideaListGroup: inputs.ideaListGroup, prompt: inputs.prompt)
        if !inputs.references.isEmpty {
            // Pool rows without a prompt answer the same default prompt as the scored idea lists.
            let topics = Set(pool.sources.compactMap(\.topic))
            try analyzer.useReferencePools(
                inputs.references, prompt: inputs.prompt ?? (topics.count == 1 ? topics.first : nil), novelty: referenceNovelty)
        }
        var report = try await analyzer.analyze(pool, embedder: embedder)
        if let judge {
            report = try await judge.judge(report, tournament: tournament)
        }
        if !inputs.ratings.isEmpty {
            report.humanRatings = HumanRatingsReport(report: report, ratings: ratings, files: inputs.ratings, seed: analyzer.seed)
        }
        return report
    }

    /// What a reader of `report` should be warned about beyond its ratings' warnings: reference
    /// pools that matched no scored prompt, and judge reviews that disagree too much.
    /// - Throws: ``PolyphonyError`` when the judge's reviews cannot be checked.
    public func warnings(for report: ScoreReport, inputs: Inputs) throws -> [String] {
        var warnings: [String] = []
        if !inputs.references.isEmpty && report.overall.meanReferenceNovelty == nil {
            warnings.append("no reference-pool idea answers the prompt of any scored idea; pools are matched by prompt (set one with --prompt or a prompt column)")
        }
        if let warning = try report.quality?.checkReviews() { warnings.append(warning) }
        return warnings
    }
}
