import ArgumentParser
import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyEmbeddings
import PolyphonyScoring

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `polyphony score`: diversity of the ideas in transcripts and idea lists, and threshold calibration.
struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Measure how diverse the ideas in transcripts and idea lists are.",
        discussion: """
            Examples:
              polyphony score transcripts/*.jsonl
              polyphony score run.jsonl --ideas people.csv --html report.html
              polyphony score a.jsonl b.jsonl --group-by file    # one group per file
              polyphony score a.jsonl b.jsonl --group a.jsonl=base --group b.jsonl=expert
              polyphony score a.jsonl --judge openai --ratings ana.csv ben.csv
              polyphony score calibrate coded.csv          # then: score --threshold-file coded.threshold.json

            Scores are written beside each transcript as <transcript>.scores/<settings-digest>.json.
            """,
        subcommands: [Files.self, Calibrate.self, Features.self],
        defaultSubcommand: Files.self
    )

    /// Options shared by scoring and calibration.
    struct EmbedderOptions: ParsableArguments {
        @Option(help: "Embedder for the embedding-based metrics: \(Embedders.registry.names.joined(separator: ", ")), or a backends-file entry with an embedding endpoint (default: minilm when its weights are installed, else lexical).")
        var embedder: String?

        /// The embedder's name after defaults.
        var embedderName: String { embedder ?? Embedders.defaultName }

        @Option(help: "Folder for the on-disk embedding cache.")
        var cacheDir: String?

        @Flag(help: "Do not read or write the caches (embeddings, and the judge's LLM responses).")
        var noCache = false

        func make() throws -> any Embedder {
            let base = try Embedders.registry.make(embedderName)
            return noCache ? base : CachingEmbedder.unlessCheap(base, directory: cacheDir)
        }
    }

    /// `polyphony score FILES…`: the default subcommand.
    struct Files: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "files",
            abstract: "Score transcripts and idea lists (the default: `polyphony score FILES…`)."
        )

        @Argument(help: "Transcript files (JSONL). Quoted glob patterns are expanded.")
        var transcripts: [String] = []

        @Option(parsing: .upToNextOption, help: "Idea lists (.csv or .jsonl) with columns text, author and optional group, round, prompt, kind.")
        var ideas: [String] = []

        @Option(help: ArgumentHelp(
            "Label one input file's ideas as group LABEL (repeat for more files). A bare --group LABEL, which labels every transcript, still works but is deprecated.",
            valueName: "PATH=LABEL"))
        var group: [String] = []

        @Option(help: "Group transcripts by file (base name), protocol or session (id); default protocol. --group PATH=LABEL wins for the files it names.")
        var groupBy: IdeaGrouping.Key?

        @Option(help: "Group for idea-list rows without a group column (default: the file's base name).")
        var ideasGroup: String?

        @Option(help: "Prompt for idea-list rows without one (default: the transcripts' shared topic).")
        var prompt: String?

        @Option(help: "Near-duplicate cosine threshold (default 0.8, the literature's cut).")
        var threshold: Double?

        @Option(help: "A calibrated threshold written by `polyphony score calibrate`.")
        var thresholdFile: String?

        @Option(help: "Seed for the author shuffles of the homogeneity floor.")
        var seed: UInt64 = 1

        @Option(help: "Author shuffles averaged for the random-pair floor.")
        var floorPermutations = 20

        @OptionGroup var embedding: EmbedderOptions

        @OptionGroup var logging: LoggingOptions
        @OptionGroup var localServer: LocalServerOptions

        @Flag(help: "Print the report as JSON (schema polyphony.score/2, see docs/score-json.md) instead of the summary.")
        var json = false

        @Option(help: "Write one CSV row per idea to this file.")
        var csv: String?

        @Option(help: "Write a self-contained HTML report to this file.")
        var html: String?

        @Option(parsing: .upToNextOption, help: "Reference pools (idea lists, .csv or .jsonl; e.g. written by `polyphony baseline`): each idea's novelty against the pool ideas with the same prompt, and whether the pool already had it.")
        var reference: [String] = []

        @Option(help: "With --reference: nearest pool ideas averaged for reference novelty.")
        var referenceK = ReferenceNovelty.defaultK

        @Flag(help: "Do not write scores beside the transcripts.")
        var noSave = false

        @Option(help: "The backends file for --judge, --settle and backend embedders (default: ./backends.yaml, then $XDG_CONFIG_HOME/polyphony/backends.yaml).")
        var backends: String?

        @Option(help: "Rate every idea with a blind LLM judge on this backends-file entry (it sees the topic and one idea, never who wrote it).")
        var judge: String?

        @Option(help: "With --judge: the rubric file (default rubrics/default.json's built-in copy: novelty, feasibility, specificity, impact, coherence).")
        var rubric: String?

        @Option(help: "With --judge: independent reviews per idea, aggregated to mean and spread.")
        var reviews = 3

        @Option(help: "With --judge: also run a Swiss-tournament pairwise ranking and report each group's share of the top N.")
        var tournamentTop: Int?

        @Option(parsing: .upToNextOption, help: "Ratings files written by `polyphony rate`: adds people's ratings per group and their agreement with each other and with --judge.")
        var ratings: [String] = []

        @Option(help: "Ask an LLM on this backends-file entry whether borderline pairs are the same idea.")
        var settle: String?

        @Option(help: "With --settle: pairs at least this similar are borderline.")
        var settleLower = 0.7

        @Option(help: "With --settle: pairs at least this similar are duplicates without asking.")
        var settleUpper = 0.9

        func validate() throws {
            if transcripts.isEmpty && ideas.isEmpty {
                throw ValidationError("give at least one transcript or --ideas file")
            }
            if threshold != nil && thresholdFile != nil {
                throw ValidationError("use either --threshold or --threshold-file, not both")
            }
            if let threshold, !(threshold > -1 && threshold <= 1) {
                throw ValidationError("--threshold must lie in (-1, 1]")
            }
            if floorPermutations < 0 { throw ValidationError("--floor-permutations must be 0 or more") }
            let bareLabels = group.filter { !$0.contains("=") }
            if bareLabels.count > 1 {
                throw ValidationError("a bare --group LABEL labels every transcript and may be given once; use --group PATH=LABEL per file")
            }
            if !bareLabels.isEmpty && groupBy != nil {
                throw ValidationError("a bare --group LABEL labels every transcript; it cannot be combined with --group-by")
            }
            if referenceK < 1 { throw ValidationError("--reference-k must be 1 or more") }
        }

        /// `--group-by` and the `--group PATH=LABEL` pairs, and the deprecated bare `--group LABEL`.
        func resolvedGrouping() throws -> (grouping: IdeaGrouping, everyTranscript: String?) {
            var labels: [(path: String, label: String)] = []
            var everyTranscript: String?
            for argument in group {
                if let pair = try IdeaGrouping.parseLabel(argument) {
                    labels.append(pair)
                } else {
                    everyTranscript = argument
                }
            }
            return (try IdeaGrouping(key: groupBy ?? .protocol, labels: labels), everyTranscript)
        }

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let file = try BackendsFile.resolve(explicitPath: backends, environment: environment)
            let transcriptPaths = try expandGlobs(transcripts)
            let ideaPaths = try expandGlobs(ideas)
            let referencePaths = try expandGlobs(reference)
            // Every file this command reads; checked before any judge or embedder is paid for.
            let ratingPaths = try expandGlobs(ratings)
            let inputs = transcriptPaths + ideaPaths + referencePaths + ratingPaths + [thresholdFile, rubric, file.path].compactMap { $0 }
            try FileIdentity.refuseOverwriting(inputs: inputs, with: [csv, html].compactMap { $0 })
            // A `kind: local` judge or embedder gets a managed server for this command only.
            try await BackendSet.withManagedServers(
                file: file, environment: environment, cacheDirectory: ResponseCache.directory(disabled: embedding.noCache, environment: environment),
                threads: localServer.threads, logger: logging.logger
            ) { backendSet in
                try await score(
                    backends: backendSet, transcriptPaths: transcriptPaths, ideaPaths: ideaPaths, referencePaths: referencePaths,
                    ratingPaths: ratingPaths, inputs: inputs)
            }
        }

        private func score(
            backends: BackendSet, transcriptPaths: [String], ideaPaths: [String], referencePaths: [String], ratingPaths: [String], inputs allInputs: [String]
        ) async throws {
            // Read before any judge is paid for, so a malformed line fails fast.
            let humanRatings = try RatingsFile.read(paths: ratingPaths)
            let embedder: any Embedder
            if Embedders.registry.names.contains(embedding.embedderName) {
                embedder = try embedding.make()
            } else {
                // Not a built-in name: an embedding endpoint from the backends file.
                let remote = try backends.embedder(named: embedding.embedderName)
                embedder = embedding.noCache ? remote : CachingEmbedder(remote, directory: embedding.cacheDir ?? CacheLocation.folder("embeddings"))
            }
            var analyzer = DiversityAnalyzer(seed: seed, floorPermutations: floorPermutations)
            if let threshold {
                analyzer.threshold = Float(threshold)
                analyzer.thresholdSource = "flag"
            } else if let thresholdFile {
                let file = try ThresholdFile.read(from: thresholdFile, embedder: embedder.name)
                analyzer.threshold = Float(file.threshold)
                analyzer.thresholdSource = "file:\(thresholdFile)"
            }
            if let settle {
                let judge = ChatSameIdeaJudge(backend: try backends.backend(named: settle))
                analyzer.settler = try BorderlineSettler(judge: judge, lower: Float(settleLower), upper: Float(settleUpper), fallbackThreshold: analyzer.threshold)
            }
            let (grouping, everyTranscript) = try resolvedGrouping()
            if everyTranscript != nil {
                StandardError.writeLine("polyphony: warning: a bare --group LABEL is deprecated; use --group PATH=LABEL or --group-by")
            }
            let inputs = ScoringPipeline.Inputs(
                transcripts: transcriptPaths, ideaLists: ideaPaths, references: referencePaths, ratings: ratingPaths,
                grouping: grouping, transcriptGroup: everyTranscript, ideaListGroup: ideasGroup, prompt: prompt)
            var pipeline = ScoringPipeline(analyzer: analyzer, embedder: embedder)
            if !referencePaths.isEmpty {
                pipeline.referenceNovelty = ReferenceNovelty(k: referenceK, product: BLASProduct.transposedProduct())
            }
            if let judge {
                let rubricFile = try rubric.map { try Rubric.load(path: $0) } ?? .standard
                pipeline.judge = QualityJudge(backend: try backends.backend(named: judge), rubric: rubricFile, reviews: reviews)
                pipeline.tournament = tournamentTop.map { SwissTournament(top: $0, seed: seed) }
            }
            let report = try await pipeline.score(inputs, ratings: humanRatings)
            for warning in report.humanRatings?.warnings ?? [] {
                StandardError.writeLine("polyphony: warning: \(warning)")
            }

            // The score files' names depend on the settings, so they are known only now.
            try FileIdentity.refuseOverwriting(inputs: allInputs, with: (noSave ? [] : report.scoreFilePaths) + [csv, html].compactMap { $0 })
            for warning in try pipeline.warnings(for: report, inputs: inputs) {
                StandardError.writeLine("polyphony: warning: \(warning)")
            }
            var notes: [String] = []
            if !noSave {
                for path in try report.saveBesideTranscripts() { notes.append("scores: \(path)") }
            }
            notes += try ReportOutput.writeFiles(
                csv: csv, csvLabel: "ideas CSV", csvText: { report.ideasCSV() }, html: html, htmlText: { report.renderHTML() })
            ReportOutput.emit(json: json ? try report.jsonData() : nil, text: report.renderText(), notes: notes)
        }
    }

    /// `polyphony score calibrate CODED.csv`.
    struct Calibrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find the near-duplicate threshold that best matches human same-idea labels.",
            discussion: """
                CODED.csv has columns text, label and optionally group. Ideas with the same label in the same
                group are the same idea. Prints the adjusted Rand index and cluster count per threshold,
                recommends the best, and saves it for `polyphony score --threshold-file`.
                """
        )

        @Argument(help: "The hand-coded CSV.")
        var coded: String

        @Option(help: "Lowest threshold tried.")
        var from = 0.30

        @Option(help: "Highest threshold tried.")
        var to = 0.95

        @Option(help: "Step between thresholds.")
        var step = 0.01

        @Option(help: "Where to save the recommendation (default: CODED with extension .threshold.json).")
        var output: String?

        @OptionGroup var embedding: EmbedderOptions

        @Flag(help: "Print the calibration as JSON (schema polyphony.calibration/1, docs/schemas/calibration.schema.json).")
        var json = false

        func validate() throws {
            guard from > -1, to <= 1, from <= to, step > 0, (to - from) / step <= 10_000 else {
                throw ValidationError("need -1 < --from <= --to <= 1 and a positive --step giving at most 10,000 thresholds")
            }
        }

        func run() async throws {
            let path = output ?? ((coded as NSString).deletingPathExtension + ".threshold.json")
            try FileIdentity.refuseOverwriting(inputs: [coded], with: [path])
            let embedder = try embedding.make()
            let codedIdeas = try ThresholdCalibration.readCoded(path: coded)
            let count = Int(((to - from) / step).rounded(.down)) + 1
            let thresholds = (0..<count).map { Float(from + Double($0) * step) }
            let result = try await ThresholdCalibration(thresholds: thresholds).calibrate(codedIdeas, embedder: embedder, source: coded)
            try result.thresholdFile.write(to: path)
            if json {
                FileHandle.standardOutput.write(try JSONOutput.data(result))
                FileHandle.standardOutput.write(Data("\n".utf8))
                StandardError.writeLine("saved: \(path)")
                return
            }
            print("Calibrated \(result.ideas) coded ideas in \(result.groups) group(s), \(result.humanClusters) human same-idea clusters, embedder \(result.embedder)\(embedder.isSemantic ? "" : " (lexical)")")
            print("threshold   ARI     clusters")
            for point in result.points {
                let marks = [
                    point == result.recommended ? "recommended" : nil,
                    abs(point.threshold - 0.8) < 1e-6 ? "literature" : nil,
                ].compactMap { $0 }
                print(String(format: "%9.2f  %6.3f  %8d", point.threshold, point.adjustedRandIndex, point.clusters)
                    + (marks.isEmpty ? "" : "  <- " + marks.joined(separator: ", ")))
            }
            print(String(format: "Recommended threshold %.2f (ARI %.3f, %d clusters vs %d human); saved to %@",
                         result.recommended.threshold, result.recommended.adjustedRandIndex, result.recommended.clusters,
                         result.humanClusters, path))
        }
    }
}

extension IdeaGrouping.Key: ExpressibleByArgument {}

/// Expands quoted glob patterns the shell left alone; plain paths pass through unchanged.
private func expandGlobs(_ patterns: [String]) throws -> [String] {
    var paths: [String] = []
    for pattern in patterns {
        guard pattern.contains(where: { "*?[".contains($0) }) else {
            paths.append(pattern)
            continue
        }
        var matches = glob_t()
        defer { globfree(&matches) }
        guard glob(pattern, 0, nil, &matches) == 0 else {
            throw PolyphonyError.invalidInput("no file matches '\(pattern)'")
        }
        for index in 0..<Int(matches.gl_pathc) {
            if let cString = matches.gl_pathv[index] { paths.append(String(cString: cString)) }
        }
    }
    return paths
}
