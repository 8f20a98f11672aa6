import Foundation
import PolyphonyCore
import PolyphonyEngine

/// An experiment: named conditions (session templates) crossed with topics and replicate
/// seeds, plus how the runs are scored. Read from a grid file by ``ExperimentGridLoader``.
public struct ExperimentGrid: Sendable {
    /// One condition: a session template and, optionally, scripted human turns.
    public struct Condition: Sendable, Hashable {
        /// The condition's name, used in run ids and reports.
        public var name: String
        /// Lines fed to the human seat, in `--human-script` syntax; empty when there is none.
        public var humanScript: [String]
        /// The line of the condition in the grid file.
        public var line: Int
    }

    /// One brief the conditions are run on.
    public struct Topic: Sendable, Hashable {
        /// A short id used in run ids (`t1`, `t2`, … unless the file names it).
        public var id: String
        /// The brief itself.
        public var text: String
    }

    /// A planned comparison named in the grid's `contrasts:`: `mean(second) − mean(first)`.
    public struct Contrast: Sendable, Hashable {
        /// The condition subtracted.
        public var first: String
        /// The condition subtracted from.
        public var second: String
        /// The line of the contrast in the grid file.
        public var line: Int

        /// Memberwise.
        public init(first: String, second: String, line: Int = 1) {
            self.first = first
            self.second = second
            self.line = line
        }
    }

    /// How `experiment analyze` scores runs and summarises conditions.
    public struct Scoring: Sendable, Hashable, Codable {
        /// An embedder name from the scoring registry (`lexical` is always available).
        public var embedder = "lexical"
        /// The near-duplicate cosine threshold; `nil` means the literature's 0.8.
        public var threshold: Double?
        /// Seed for the homogeneity floor's shuffles and for the bootstrap.
        public var seed: UInt64 = 1
        /// Author shuffles averaged for the random-pair floor.
        public var floorPermutations = 20
        /// Bootstrap resamples per interval.
        public var bootstrapResamples = 10_000
        /// Confidence level of every interval.
        public var confidence = 0.95
        /// Metrics to report; `nil` means all of ``RunMetrics/names``.
        public var metrics: [String]?
        /// Reference pools (idea lists) for `reference_novelty` and `hivemind_share`; relative
        /// paths are tried against the working directory, then the grid file's folder.
        public var reference: [String] = []
        /// A blind judge that rates every run's ideas, adding `quality_<dimension>` metrics.
        public var judge: Judge?

        /// The `scoring: judge:` block.
        public struct Judge: Sendable, Hashable, Codable {
            /// The backends-file entry the judge runs on.
            public var backend: String
            /// A rubric file (a relative path is read from the folder `experiment analyze` runs in); `nil` is the built-in rubric.
            public var rubric: String?
            /// Independent reviews per idea.
            public var reviews = 3

            public init(backend: String, rubric: String? = nil, reviews: Int = 3) {
                self.backend = backend
                self.rubric = rubric
                self.reviews = reviews
            }
        }

        /// The defaults: lexical embedder, 0.8, seed 1, 10,000 resamples, 95 %.
        public init() {}
    }

    /// The grid file, as given.
    public var file: String
    /// The experiment's name.
    public var name: String
    /// Conditions in file order.
    public var conditions: [Condition]
    /// Topics in file order.
    public var topics: [Topic]
    /// Replicate seeds, in file order.
    public var seeds: [UInt64]
    /// Scoring and statistics settings.
    public var scoring: Scoring
    /// Planned contrasts, in file order; reported before the exploratory pairs.
    public var contrasts: [Contrast] = []
    /// Every session of the grid (conditions × topics × seeds), in a fixed order.
    public var runs: [ExperimentRun]
    /// SHA-256 of the grid file's text: slices of one experiment must share it.
    public var digest: String
    /// The grid file's text, stored in the manifest so an experiment folder explains itself.
    public var text: String
}

/// One session of an experiment: a condition on a topic with a seed.
public struct ExperimentRun: Sendable, Equatable {
    /// `condition__topic__sSEED`; names the transcript and identifies the run across slices.
    public var id: String
    /// The condition this run belongs to.
    public var condition: String
    /// The topic's id.
    public var topic: String
    /// The replicate seed, which is also the session seed.
    public var seed: UInt64
    /// The session to run, already checked against the session-file rules.
    public var spec: SessionSpec
    /// Scripted human turns, in `--human-script` syntax.
    public var humanScript: [String]

    /// The transcript's file name inside the experiment's `runs/` folder.
    public var transcriptName: String { id + ".jsonl" }
}
