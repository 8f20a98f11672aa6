import Foundation
import Logging
import PolyphonyCore
import PolyphonyEngine
import PolyphonyTranscript

/// Runs the sessions of an experiment grid into an experiment folder, at most `concurrency` at
/// a time, each transcript in `runs/<run id>.jsonl`.
///
/// Re-running is safe and resumes: a completed transcript is skipped, an interrupted or failed
/// one continues from its last complete turn, a missing one starts. Per-backend limits
/// (`max_concurrency`, `requests_per_minute`) are enforced by the backends the lookup returns,
/// which all sessions share.
public struct ExperimentRunner: Sendable {
    /// The experiment folder (manifest, grid copy, `runs/`).
    public var folder: String
    /// Sessions in flight at once, at least 1.
    public var concurrency: Int
    /// The persona library's folder.
    public var personaDirectory: String
    /// Written into every header.
    public var toolVersion: String
    /// Runs every agent seat on this backends-file entry (`--backend`).
    public var backendOverride: String?
    /// Resolves backends-file entries; share one instance across sessions so limits hold globally.
    public var backend: SessionBinder.BackendLookup
    /// Receives the runner's decisions (sessions skipped, resumed, started) and every session's own lines.
    public var logger: Logger
    /// What progress's elapsed time is read from; tests may pass a manual clock.
    public var clock: any Clock<Duration> = ContinuousClock()

    /// - Parameters:
    ///   - folder: The experiment folder; created when missing.
    ///   - concurrency: Sessions in flight at once (values below 1 mean 1).
    ///   - personaDirectory: The persona library's folder.
    ///   - toolVersion: Written into every header.
    ///   - backendOverride: Runs every agent seat on this entry.
    ///   - backend: Resolves backends-file entries.
    ///   - logger: Logs nothing by default.
    public init(
        folder: String, concurrency: Int, personaDirectory: String, toolVersion: String, backendOverride: String? = nil,
        backend: @escaping SessionBinder.BackendLookup,
        logger: Logger = .disabled
    ) {
        self.logger = logger
        self.folder = folder
        self.concurrency = max(1, concurrency)
        self.personaDirectory = personaDirectory
        self.toolVersion = toolVersion
        self.backendOverride = backendOverride
        self.backend = backend
    }

    /// Runs the slice `shard` of `grid`.
    /// - Parameter progress: Called after every session starts or ends, from the calling task.
    /// - Returns: The final progress; cancellation ends in-flight sessions as interrupted and
    ///   returns with `interrupted` set rather than throwing.
    /// - Throws: ``PolyphonyError`` for a bad persona folder, a seat that does not bind, or a
    ///   transcript that cannot be written.
    public func run(
        _ grid: ExperimentGrid, shard: Shard = .all, progress: (ExperimentProgress) -> Void = { _ in }
    ) async throws -> ExperimentOutcome {
        let library = try PersonaLoader().loadLibrary(directory: personaDirectory)
        let runs = shard.select(grid.runs)
        // Bind every session before starting any, so a misspelt backend fails at once, not hours in.
        for run in runs { _ = try prepare(run, grid: grid, library: library, path: nil) }
        try ExperimentManifest(grid: grid).write(folder: folder)

        let stopwatch = Stopwatch(clock)
        var state = ExperimentProgress(total: runs.count)
        var failures: [(id: String, reason: String)] = []
        var interrupted = false
        func report(_ latest: String) {
            let elapsed = stopwatch.elapsed
            state.elapsed = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            state.latest = latest
            progress(state)
        }
        // What an earlier invocation finished is counted once, in one progress event, so a
        // resumed grid of thousands does not open with a line per finished session.
        var remaining: [ExperimentRun] = []
        for run in runs {
            if let existing = try Self.recordedEnd(transcriptPath(run)), existing.status == .completed {
                state.completed += 1
                state.skipped += 1
                logger.debug("already complete, skipped", metadata: ["run": "\(run.id)"])
                state.tokens += existing.totals.promptTokens + existing.totals.completionTokens
            } else {
                remaining.append(run)
            }
        }
        if state.skipped > 0 { report("\(state.skipped) of \(runs.count) sessions already complete") }
        try await withThrowingTaskGroup(of: SessionResult.self) { group in
            var pending = remaining.makeIterator()
            func launchNext() throws -> Bool {
                guard !Task.isCancelled, let run = pending.next() else { return false }
                let path = transcriptPath(run)
                // Lock first, then read: what is read is what this session continues, and no
                // other process can append to the transcript in between.
                let writer = try TranscriptWriter(path: path)
                let (plan, script) = try prepare(run, grid: grid, library: library, path: path)
                state.running += 1
                report("\(run.id): \(plan.resume.isResuming ? "resumed" : "started")")
                var logger = logger
                logger[metadataKey: "run"] = "\(run.id)"
                logger.debug(plan.resume.isResuming ? "resumed" : "started", metadata: ["turns_reused": "\(plan.resume.turns.count)"])
                group.addTask { [logger] in try await Self.execute(plan, script: script, writer: writer, id: run.id, logger: logger) }
                return true
            }
            for _ in 0..<concurrency {
                guard try launchNext() else { break }
            }
            while let result = try await group.next() {
                state.running -= 1
                let end = result.end
                state.tokens += end.totals.promptTokens + end.totals.completionTokens
                switch end.status {
                case .completed:
                    state.completed += 1
                    state.ranHere += 1
                    report("\(result.id): completed")
                case .failed:
                    state.failed += 1
                    state.ranHere += 1
                    failures.append((result.id, end.reason ?? "failed"))
                    report("\(result.id): failed: \(end.reason ?? "unknown reason")")
                case .interrupted:
                    interrupted = true
                    report("\(result.id): interrupted")
                }
                if !interrupted { _ = try launchNext() }
            }
        }
        return ExperimentOutcome(progress: state, interrupted: interrupted || Task.isCancelled, failures: failures)
    }

    /// The transcript of `run` in this folder.
    public func transcriptPath(_ run: ExperimentRun) -> String {
        ((folder as NSString).appendingPathComponent(ExperimentManifest.runsFolder) as NSString).appendingPathComponent(run.transcriptName)
    }

    /// The last `end` record of the transcript at `path`, or `nil` when it has none (missing,
    /// empty, or cut off by a crash).
    /// - Throws: ``PolyphonyError`` when the file exists but cannot be read.
    public static func recordedEnd(_ path: String) throws -> EndRecord? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var last: EndRecord?
        _ = try TranscriptReader(path: path).forEach { event, _ in
            if case .end(let end) = event { last = end }
        }
        return last
    }

    private struct SessionResult: Sendable {
        var id: String
        var end: EndRecord
    }

    /// The plan for `run` and its human script: a continuation when `path` holds a started
    /// session, else a new one. A continuation reads the whole script again: the orchestrator
    /// moves it past the answers its recorded turns used.
    ///
    /// Call with the transcript's writer open: it has cut off any header a kill left half
    /// written, so a file that is not empty starts with a whole header.
    private func prepare(_ run: ExperimentRun, grid: ExperimentGrid, library: PersonaLoader.Library, path: String?) throws -> (SessionPlan, HumanScript) {
        if let path, let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > 0 {
            let (events, _) = try TranscriptReader(path: path).readAll()
            let plan = try SessionPlan.resume(events: events, file: path, backend: backend)
            return (plan, HumanScript(lines: run.humanScript))
        }
        var spec = run.spec
        spec.backendOverride = backendOverride ?? spec.backendOverride
        let plan = try SessionPlan.new(
            spec: spec, library: library, personaDirectory: personaDirectory, backend: backend, seed: run.seed,
            sessionID: "\(grid.name)/\(run.id)", toolVersion: toolVersion)
        return (plan, HumanScript(lines: run.humanScript))
    }

    private static func execute(
        _ plan: SessionPlan, script: HumanScript, writer: TranscriptWriter, id: String, logger: Logger
    ) async throws -> SessionResult {
        // Scripted turns only: nobody watches an experiment's prompts.
        let human = plan.cast.human == nil ? nil : HumanSlot(script: script) { _ in }
        let end = try await plan.orchestrator(writer: writer, human: human, logger: logger).run()
        return SessionResult(id: id, end: end)
    }
}
