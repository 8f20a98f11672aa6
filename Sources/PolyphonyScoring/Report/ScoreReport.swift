import Foundation

/// Everything `polyphony score` measures, in the shape `--json` prints and score files hold.
///
/// The JSON form is a public contract, documented in `docs/score-json.md`: fields are only
/// ever added, never renamed or removed, without bumping ``schema``.
public struct ScoreReport: Sendable, Hashable, Codable {
    /// The schema identifier of this layout.
    public static let currentSchema = "polyphony.score/2"

    public var schema: String
    public var settings: ScoreSettings
    /// "lexical" or "semantic": how to read every embedding-based number below.
    public var embedderKind: String
    public var sources: [IdeaSource]
    public var overall: DiversitySummary
    public var byGroup: [DiversitySummary]
    public var byRound: [DiversitySummary]
    public var byParticipant: [DiversitySummary]
    public var byKind: [DiversitySummary]
    /// Per group, per round: does the group converge?
    public var trajectory: [TrajectoryPoint]
    public var homogeneity: Homogeneity
    public var contributions: [Contribution]
    public var clusters: [ClusterEntry]
    public var ideas: [ScoredIdea]
    /// The borderline pairs an LLM settled, when settling was on.
    public var settlement: Settlement?
    /// Blind-judge scores, when a judge was run.
    public var quality: QualityReport?
    /// People's blind ratings and their agreement with each other and the judge, when
    /// ratings files were given (`score --ratings`).
    public var humanRatings: HumanRatingsReport?

    public init(
        settings: ScoreSettings, sources: [IdeaSource], overall: DiversitySummary, byGroup: [DiversitySummary],
        byRound: [DiversitySummary], byParticipant: [DiversitySummary], byKind: [DiversitySummary],
        trajectory: [TrajectoryPoint], homogeneity: Homogeneity, contributions: [Contribution],
        clusters: [ClusterEntry], ideas: [ScoredIdea], settlement: Settlement? = nil, quality: QualityReport? = nil
    ) {
        self.schema = Self.currentSchema
        self.settings = settings
        self.embedderKind = settings.embedderIsSemantic ? "semantic" : "lexical"
        self.sources = sources
        self.overall = overall
        self.byGroup = byGroup
        self.byRound = byRound
        self.byParticipant = byParticipant
        self.byKind = byKind
        self.trajectory = trajectory
        self.homogeneity = homogeneity
        self.contributions = contributions
        self.clusters = clusters
        self.ideas = ideas
        self.settlement = settlement
        self.quality = quality
    }
}

/// The choices that determine the numbers; their digest names score files.
public struct ScoreSettings: Sendable, Hashable, Codable {
    public var embedder: String
    /// What else made the vectors, when the name alone does not say
    /// (``Embedder/cacheKey``, e.g. `minilm-bfloat16-256`); absent when it is the name.
    /// Part of the settings digest, so score files of two precisions do not overwrite each other.
    public var embedderVariant: String?
    public var embedderIsSemantic: Bool
    /// The near-duplicate cosine threshold in use.
    public var threshold: Double
    /// Where it came from: `default`, `flag`, or `file:PATH`.
    public var thresholdSource: String
    /// 0.8, always reported beside ``threshold``.
    public var literatureThreshold: Double
    public var seed: UInt64
    /// Author shuffles averaged for the random-pair homogeneity floor.
    public var floorPermutations: Int
    /// The similarity band an LLM settled, when settling was on.
    public var settlingBand: [Double]?
    public var settlingBackend: String?
    /// The learned originality model applied (``OriginalityModel/name``), when it was.
    public var originalityModel: String?
    /// The reference pool's files, when ideas were scored against one (`--reference`).
    public var reference: [String]?
    /// Ideas in the reference pool.
    public var referenceIdeas: Int?
    /// Nearest pool ideas averaged by reference novelty.
    public var referenceK: Int?

    public init(
        embedder: String, embedderIsSemantic: Bool, threshold: Double, thresholdSource: String = "default",
        seed: UInt64 = 1, floorPermutations: Int = 20, settlingBand: [Double]? = nil, settlingBackend: String? = nil
    ) {
        self.embedder = embedder
        self.embedderIsSemantic = embedderIsSemantic
        self.threshold = threshold
        self.thresholdSource = thresholdSource
        self.literatureThreshold = Double(shortestDecimal: NearDuplicateClustering.literatureThreshold)
        self.seed = seed
        self.floorPermutations = floorPermutations
        self.settlingBand = settlingBand
        self.settlingBackend = settlingBackend
    }
}

/// Diversity of one set of ideas: everything, a group, a round, a participant or a kind.
public struct DiversitySummary: Sendable, Hashable, Codable {
    /// What the set is: `all`, a group name, a round number, `group/author`, `agent` or `human`.
    public var key: String
    public var ideas: Int
    public var participants: Int
    /// 1 − mean pairwise cosine similarity; `nil` below two ideas.
    public var meanPairwiseDistance: Double?
    public var vendi: Double?
    /// Near-duplicate clusters at the threshold in use (settled by the LLM when settling was on).
    public var unique: Int
    public var yield: Double?
    /// Clusters at the literature's 0.8, for comparison with published numbers.
    public var uniqueAtLiteratureThreshold: Int
    public var yieldAtLiteratureThreshold: Double?
    public var distinct1: Double?
    public var distinct2: Double?
    public var distinct3: Double?
    /// Mean SemDis-style distance of the ideas from their prompt.
    public var meanPromptDistance: Double?
    /// Mean learned originality (1–5, calibrated on alternate-uses tasks) of the ideas that have one.
    public var meanOriginality: Double?
    /// Mean novelty against the reference pool of the ideas that have a pool for their prompt.
    public var meanReferenceNovelty: Double?
    /// Share of those ideas whose nearest pool idea is a near-duplicate: what the pool already had.
    public var hivemindShare: Double?
}

/// One group's diversity in one round.
public struct TrajectoryPoint: Sendable, Hashable, Codable {
    public var group: String
    /// `nil` for ideas whose source recorded no round.
    public var round: Int?
    public var summary: DiversitySummary
    /// Global clusters this group reached for the first time in this round.
    public var newClusters: Int
    /// Global clusters this group has reached up to and including this round.
    public var cumulativeClusters: Int
}

/// How alike participants' idea sets are, against what chance authorship would give.
public struct Homogeneity: Sendable, Hashable, Codable {
    /// Two participants and the mean cosine similarity between their ideas.
    public struct Pair: Sendable, Hashable, Codable {
        public var first: String
        public var second: String
        public var sameGroup: Bool
        public var similarity: Double
    }

    /// Every pair of participants, listed up to 200 participants (see ``pairsListed``).
    public var pairs: [Pair]
    /// `false` when ``pairs`` is left empty because there are more than 200 participants (the
    /// mean still covers every pair); absent when every pair is listed.
    public var pairsListed: Bool?
    /// Mean of every pair's similarity.
    public var meanBetweenParticipants: Double?
    /// Mean over participants with two or more ideas of their own mean pairwise similarity.
    public var meanWithinParticipants: Double?
    /// Mean between-participant similarity after shuffling authors (seeded), averaged over permutations.
    public var randomPairFloor: Double?
    /// Standard deviation of the floor over permutations.
    public var randomPairFloorSpread: Double?
    public var permutations: Int
}

/// What one participant added.
public struct Contribution: Sendable, Hashable, Codable {
    /// `group/author`.
    public var participant: String
    public var author: String
    public var group: String
    public var kind: InputIdea.Kind
    public var ideas: Int
    public var clustersReached: Int
    /// Clusters no other participant reached.
    public var exclusiveClusters: Int
    /// For humans: mean over their ideas of 1 − the highest cosine similarity to any agent idea.
    public var meanNearestAgentDistance: Double?
}

/// One near-duplicate cluster over all ideas.
public struct ClusterEntry: Sendable, Hashable, Codable {
    public var id: Int
    public var size: Int
    /// The index (into ``ScoreReport/ideas``) of the idea that founded it.
    public var representative: Int
    public var members: [Int]
    public var participants: [String]
    public var groups: [String]
}

/// One idea with its place in the clustering and its scores.
public struct ScoredIdea: Sendable, Hashable, Codable {
    public var index: Int
    public var id: String
    public var source: String
    public var group: String
    public var author: String
    public var kind: InputIdea.Kind
    public var round: Int?
    public var text: String
    /// The topic or prompt the idea answers, when known (the judge sees it).
    public var prompt: String?
    /// The cluster over all ideas at the threshold in use.
    public var cluster: Int
    /// How many ideas share that cluster (1 = nobody else had it).
    public var rarity: Int
    public var similarityToRepresentative: Double
    public var clusterAtLiteratureThreshold: Int
    /// 1 − cosine similarity to the prompt (SemDis-style); `nil` without a prompt.
    public var promptDistance: Double?
    /// The learned originality score (1–5); `nil` without a prompt or with another embedder than the model's.
    public var originality: Double?
    /// 1 − mean cosine similarity to the k nearest reference-pool ideas for the same prompt.
    public var referenceNovelty: Double?
    /// Whether the nearest reference-pool idea is within the near-duplicate threshold.
    public var inReference: Bool?
    /// Mean blind-judge score per rubric dimension, when judged.
    public var quality: [String: Double]?
    /// Coordinates on the first two principal components of all embeddings (the idea map).
    public var mapX: Double
    public var mapY: Double
}

/// Borderline pairs an LLM settled.
public struct Settlement: Sendable, Hashable, Codable {
    /// One question asked.
    public struct Decision: Sendable, Hashable, Codable {
        public var first: String
        public var second: String
        public var similarity: Double
        public var same: Bool
    }

    public var lower: Double
    public var upper: Double
    public var queries: Int
    /// Borderline pairs left to the plain threshold because the query budget ran out or the judge failed.
    public var unresolved: Int
    public var decisions: [Decision]
}
