import ArgumentParser
import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyEmbeddings
import PolyphonyEngine
import PolyphonyExperiments
import PolyphonyScoring

/// `polyphony experiment run | analyze | merge`: condition grids with replicates.
struct ExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Run a grid of conditions × topics × seeds, compare the conditions with confidence intervals.",
        discussion: """
            Examples (grid format: docs/experiments.md; ready-made grids in experiments/):
              polyphony experiment run experiments/beyond-brainstorming.yaml --out results/bb
              polyphony experiment run GRID --out /shared/bb --shard 3/16      # one slice per node
              polyphony experiment merge /shared/bb-* --out results/bb        # when slices used separate folders
              polyphony experiment analyze results/bb --html bb.html
            """,
        subcommands: [Run.self, Analyze.self, Merge.self]
    )

    /// `polyphony experiment run GRID`.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every session of a grid (or of one slice of it) into an experiment folder.",
            discussion: """
                Re-running the same command is safe: completed sessions are skipped, interrupted or failed ones
                resume from their last complete turn. Ctrl-C stops cleanly (exit 130).
                Exit status: 0 all sessions of the slice completed, 1 some failed, 130 interrupted, 65 bad input.
                """
        )

        @Argument(help: "The grid file (YAML).") var grid: String
        @Option(help: "The experiment folder (default: results/<experiment name>).") var out: String?
        @Option(help: "Run only slice i of n (1-based), e.g. 2/8; slices of one grid may share --out.") var shard: String?
        @Option(help: "Sessions in flight at once (per-backend limits still apply).") var concurrency = 4
        @Option(help: "The persona folder (default: personas/ beside the grid file or its folder, then ./personas, then $POLYPHONY_PERSONAS and the installed library).") var personas: String?
        @Option(help: "The backends file (default: ./backends.yaml, then $XDG_CONFIG_HOME/polyphony/backends.yaml).") var backends: String?
        @Option(help: "Run every agent seat on this backends-file entry instead of the ones the grid names.") var backend: String?
        @Flag(help: "Do not read or write the response cache.") var noCache = false
        @Option(help: "The response cache folder (default: $XDG_CACHE_HOME/polyphony/responses).") var cacheDir: String?
        @Flag(help: "Print only the final summary.") var quiet = false
        @OptionGroup var logging: LoggingOptions
        @OptionGroup var localServer: LocalServerOptions

        func validate() throws {
            if concurrency < 1 { throw ValidationError("--concurrency must be 1 or more") }
        }

        func run() async throws {
            let signals = SignalEvents.stream()
            let slice = try shard.map { try Shard(parsing: $0) } ?? .all
            let experiment = try ExperimentGridLoader().load(file: grid)
            let folder = out ?? "results/\(experiment.name)"
            let environment = ProcessInfo.processInfo.environment
            let personas = try personas ?? PersonaFolder.locate(
                sessionFile: grid, currentDirectory: FileManager.default.currentDirectoryPath, environment: environment,
                executable: CommandLine.arguments[0]
            )
            let backendsFile = try BackendsFile.resolve(explicitPath: backends, environment: environment)
            let outcome = try await BackendSet.withManagedServers(
                file: backendsFile, environment: environment,
                cacheDirectory: ResponseCache.directory(disabled: noCache, explicit: cacheDir, environment: environment),
                threads: localServer.threads, logger: logging.logger
            ) { pool in
                let runner = ExperimentRunner(
                    folder: folder, concurrency: concurrency, personaDirectory: personas, toolVersion: Polyphony.version,
                    backendOverride: backend, backend: pool.backend(named:), logger: logging.logger)
                let view = ExperimentProgressView.standardError()
                defer { if !quiet { view.finish() } }
                // A signal cancels every session, which records `interrupted`.
                return try await SessionSupervisor(stops: signals).run { [quiet] in
                    try await runner.run(experiment, shard: slice) { progress in
                        if !quiet { view.show(progress) }
                    }
                }
            }
            guard let outcome else { throw ExitCode(130) }
            let progress = outcome.progress
            print("\(outcome.interrupted ? "interrupted" : "done"): \(progress.completed)/\(progress.total) sessions completed (\(progress.skipped) already), \(progress.failed) failed, \(progress.tokens) tokens — \(folder)\(slice == .all ? "" : " (slice \(slice))")")
            for failure in outcome.failures {
                StandardError.writeLine("polyphony: \(failure.id) failed: \(failure.reason)")
            }
            if outcome.interrupted {
                StandardError.writeLine("polyphony: interrupted; run the same command again to resume")
                throw ExitCode(130)
            }
            if progress.failed > 0 {
                StandardError.writeLine("polyphony: \(progress.failed) session(s) failed; run the same command again to resume them")
                throw ExitCode(1)
            }
        }
    }

    /// `polyphony experiment analyze DIR…`.
    struct Analyze: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score every completed run and compare conditions: means, bootstrap CIs, differences, Hedges' g.",
            discussion: "Several folders (slices of one grid) are read as one experiment."
        )

        @Argument(help: "Experiment folders of one grid.") var folders: [String]
        @Flag(help: "Print the report as JSON (schema polyphony.experiment/2, docs/schemas/experiment.schema.json) instead of tables.") var json = false
        @Option(help: "Write one row per run and metric to this CSV file.") var csv: String?
        @Option(help: "Write a self-contained HTML comparison report to this file.") var html: String?
        @Option(help: "Bootstrap resamples (default: the grid's scoring.bootstrap, else 10000).") var bootstrap: Int?
        @Option(help: "Folder for the on-disk embedding cache (semantic embedders).") var cacheDir: String?
        @Flag(help: "Do not read or write the embedding cache, or the judge's response cache.") var noCache = false
        @Option(parsing: .upToNextOption, help: "Reference pools (idea lists, e.g. from `polyphony baseline`) for reference_novelty and hivemind_share; replaces the grid's scoring.reference.") var reference: [String] = []
        @Option(help: "The backends file for the grid's scoring judge (default: ./backends.yaml, then $XDG_CONFIG_HOME/polyphony/backends.yaml).") var backends: String?
        @OptionGroup var logging: LoggingOptions
        @OptionGroup var localServer: LocalServerOptions

        func validate() throws {
            if folders.isEmpty { throw ValidationError("give at least one experiment folder") }
            if let bootstrap, bootstrap < 100 { throw ValidationError("--bootstrap must be 100 or more") }
        }

        func run() async throws {
            var experiment = try ExperimentFolders.open(folders)
            if !reference.isEmpty { experiment.grid.scoring.reference = reference }
            let environment = ProcessInfo.processInfo.environment
            let judge = experiment.grid.scoring.judge
            let backendsFile = try judge.map { _ in try BackendsFile.resolve(explicitPath: backends, environment: environment) }
            try FileIdentity.refuseOverwriting(
                inputs: experiment.files(in: folders) + reference + [backendsFile?.path, judge?.rubric].compactMap { $0 },
                with: [csv, html].compactMap { $0 })
            let base = try Embedders.registry.make(experiment.grid.scoring.embedder)
            let embedder = noCache ? base : CachingEmbedder.unlessCheap(base, directory: cacheDir)
            var analyzer = ExperimentAnalyzer(embedder: embedder, resamples: bootstrap)
            analyzer.referenceProduct = BLASProduct.transposedProduct()
            let report: ExperimentReport
            if let judge, let file = backendsFile {
                // The grid's judge: each run's results are cached beside its transcript.
                let rubric = try judge.rubric.map { try Rubric.load(path: $0) } ?? .standard
                report = try await BackendSet.withManagedServers(
                    file: file, environment: environment, cacheDirectory: ResponseCache.directory(disabled: noCache, environment: environment),
                    threads: localServer.threads, logger: logging.logger
                ) { backendSet in
                    analyzer.quality = RunQuality(judge: QualityJudge(backend: try backendSet.backend(named: judge.backend), rubric: rubric, reviews: judge.reviews))
                    return try await analyzer.analyze(experiment)
                }
            } else {
                report = try await analyzer.analyze(experiment)
            }
            let notes = try ReportOutput.writeFiles(
                csv: csv, csvLabel: "runs CSV", csvText: { report.runsCSV() }, html: html, htmlText: { report.renderHTML() })
            ReportOutput.emit(json: json ? try report.jsonData() : nil, text: report.renderText(), notes: notes)
        }
    }

    /// `polyphony experiment merge DIR… --out DIR`.
    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Combine experiment folders of one grid (e.g. the slices of --shard jobs) into one folder."
        )

        @Argument(help: "Experiment folders of one grid.") var folders: [String]
        @Option(help: "The merged experiment folder.") var out: String

        func validate() throws {
            if folders.isEmpty { throw ValidationError("give at least one experiment folder") }
        }

        func run() async throws {
            let result = try ExperimentMerger().merge(folders, into: out)
            print("merged into \(out): \(result.completed) completed, \(result.unfinished) unfinished, \(result.missing) missing run(s)")
        }
    }
}
