import ArgumentParser
import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyEngine
import PolyphonyTranscript

/// `polyphony run SESSION` and `polyphony run --resume TRANSCRIPT`.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an ideation session and write its transcript.",
        discussion: """
            A session file (YAML) names the topic, the protocol, the rounds and who takes part:

              topic: How might a mid-sized city keep its streets cool in heatwaves?
              protocol: brainwriting     # \(IdeationProtocols.names.joined(separator: ", "))
              rounds: 2
              seed: 7
              backend: local            # default for every seat; see `polyphony backends list`
              participants:
                - urban-planning-senior
                - generalist-deliberate  # its control: same temperament, no declared expertise
                - { persona: human }     # you, at the terminal
              limits: { max_tokens_per_turn: 300, token_budget: 50000, ideas_per_turn: 3 }

            Examples for every protocol are in sessions/.

            The human: on your turn, type an answer and end it with an empty line; /skip passes,
            /end finishes the session cleanly, /idea TEXT records one idea. At any time,
            /inject TEXT reaches every agent at the start of the next phase.

            Ctrl-C (or SIGTERM) stops cleanly: the transcript gets an `end` event with status
            interrupted, and `polyphony run --resume FILE` continues it later without repeating
            or losing a turn. A session killed outright (kill -9) resumes the same way.

            Exit status: 0 completed, 1 failed (a backend error survived its retries),
            130 interrupted, 65 bad input.
            """
    )

    @Argument(help: "The session file (YAML).") var session: String?
    @Option(help: "Continue the session recorded in this transcript from its last complete turn.") var resume: String?
    @Option(help: "The persona folder (default: personas/ beside the session file or its folder, then ./personas, then $POLYPHONY_PERSONAS and the installed library).") var personas: String?
    @Option(help: "The backends file (default: ./backends.yaml, then $XDG_CONFIG_HOME/polyphony/backends.yaml).") var backends: String?
    @Option(help: "Write the transcript here (default: the session's output:, else transcripts/<time>-<topic>.jsonl).") var out: String?
    @Option(help: "Take the human's turns from this file instead of stdin: same syntax as typing, read in session order (see docs/sessions.md).") var humanScript: String?
    @Option(help: "Seconds a human has to answer before the turn is skipped (default: the session's human.timeout_seconds, else none).") var humanTimeout: Double?
    @Option(help: "Override the session's seed.") var seed: UInt64?
    @Option(help: "Run every agent seat on this backends-file entry instead of the ones the session names.") var backend: String?
    @Option(help: "Ask for this model on every agent seat (on --backend, or on each seat's own backend).") var model: String?
    @Flag(help: "Print nothing but the final summary.") var quiet = false
    @Flag(help: "Print every event as one JSON line on stdout (transcript events as written, plus phase_started, turn_started and delta).") var jsonEvents = false
    @Flag(help: "Store every prompt in full in the transcript, not only its SHA-256 digest.") var recordPrompts = false
    @Flag(help: "Do not read or write the response cache.") var noCache = false
    @Option(help: "The response cache folder (default: $XDG_CACHE_HOME/polyphony/responses).") var cacheDir: String?
    @OptionGroup var logging: LoggingOptions
    @OptionGroup var localServer: LocalServerOptions

    func validate() throws {
        if (session == nil) == (resume == nil) {
            throw ValidationError("give either a session file or --resume TRANSCRIPT")
        }
        if quiet && jsonEvents { throw ValidationError("--quiet and --json-events exclude each other") }
        if let humanTimeout, !(humanTimeout >= 0 && humanTimeout.isFinite) {
            throw ValidationError("--human-timeout must be a number of seconds, 0 or more (got \(humanTimeout))")
        }
        if resume != nil, backend != nil || model != nil {
            throw ValidationError("--backend and --model apply to a new session; a resumed one keeps the backends and models it recorded")
        }
        if let model, model.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--model needs a model name") }
    }

    func run() async throws {
        // Catch Ctrl-C from the first moment, so it can never kill the process mid-write.
        let signals = SignalEvents.stream()
        let environment = ProcessInfo.processInfo.environment
        let backendsFile = try BackendsFile.resolve(explicitPath: backends, environment: environment)
        // Every input is checked before the transcript is created, so a mistyped path leaves no file behind.
        if let humanScript, (try? String(contentsOfFile: humanScript, encoding: .utf8)) == nil {
            throw PolyphonyCLIError.unreadable(humanScript)
        }
        // Managed local model servers live exactly as long as this command, whatever ends it.
        let (end, path) = try await BackendSet.withManagedServers(
            file: backendsFile, environment: environment,
            cacheDirectory: ResponseCache.directory(disabled: noCache, explicit: cacheDir, environment: environment),
            threads: localServer.threads, logger: logging.logger
        ) { pool in
            let inputs = [session, backendsFile.path, humanScript].compactMap { $0 }
            let prepared = try resume.map { try prepareResume($0, pool: pool) } ?? prepareNew(pool: pool, inputs: inputs)
            return (try await runSession(prepared, signals: signals), prepared.path)
        }
        printSummary(end, path: path)
        switch end.status {
        case .completed: return
        case .interrupted: throw ExitCode(130)
        case .failed: throw ExitCode(1)
        }
    }

    private func runSession(_ prepared: Prepared, signals: AsyncStream<Int32>) async throws -> EndRecord {
        let view = TerminalView(mode: quiet ? .quiet : (jsonEvents ? .json : .live))
        let (events, continuation) = AsyncStream<SessionEvent>.makeStream()
        let screen = view.screen
        // A scripted seat under --quiet has nobody to show prompts to: only the summary prints.
        let showPrompts = !(quiet && humanScript != nil)
        let display: @Sendable (String) -> Void = { prompt in if showPrompts { screen.ask(prompt) } }
        var human: HumanSlot?
        var input: AsyncStream<String>?
        if prepared.plan.cast.human != nil {
            if let humanScript {
                // Read in session order by the slot itself, so the same script gives the same session.
                human = HumanSlot(script: try StandardInputLines.script(file: humanScript)) { prompt in
                    // Nobody types into a script: nothing to hold the rest of the screen for.
                    if showPrompts {
                        screen.ask(prompt)
                        screen.answered()
                    }
                }
            } else {
                human = HumanSlot(display: display, notice: { screen.notice($0) }, answered: { screen.answered() })
                input = StandardInputLines.stream()
            }
        }
        let orchestrator = prepared.plan.orchestrator(writer: prepared.writer, events: continuation, human: human, recordMessages: recordPrompts, logger: logging.logger)
        var helpers: [@Sendable () async -> Void] = []
        if let human, let input {
            helpers.append {
                for await line in input { await human.receive(line) }
                await human.finishInput()
            }
        }
        let end = try await SessionSupervisor(stops: signals).run(
            {
                defer { continuation.finish() }
                return try await orchestrator.run()
            },
            companions: [{ await view.consume(events, header: prepared.plan.header) }],
            helpers: helpers
        )
        guard let end else { throw PolyphonyError.cancelled("the session stopped before writing its end event") }
        return end
    }

    /// A session ready to run, with its transcript open and locked for the whole run.
    private struct Prepared {
        var plan: SessionPlan
        var path: String
        var writer: TranscriptWriter
    }

    private func prepareNew(pool: BackendSet, inputs: [String]) throws -> Prepared {
        guard let session else { throw ValidationError("missing session file") }
        var spec = try SessionLoader().load(file: session)
        spec.backendOverride = backend
        spec.modelOverride = model
        spec.fallbackBackend = ProcessInfo.processInfo.environment["POLYPHONY_BACKEND"].flatMap { $0.isEmpty ? nil : $0 } ?? pool.file.defaultBackend
        let personas = try personas ?? PersonaFolder.locate(
            sessionFile: session, currentDirectory: FileManager.default.currentDirectoryPath,
            environment: ProcessInfo.processInfo.environment, executable: CommandLine.arguments[0]
        )
        let library = try PersonaLoader().loadLibrary(directory: personas)
        let started = Date()
        let plan = try SessionPlan.new(
            spec: spec, library: library, personaDirectory: personas, backend: pool.backend(named:), seed: seed,
            sessionID: SessionPlan.newSessionID(startedAt: started), toolVersion: Polyphony.version, startedAt: started,
            humanTimeout: humanTimeout)
        let path = out ?? spec.output ?? SessionPlan.defaultTranscriptPath(topic: spec.topic, startedAt: started)
        try FileIdentity.refuseOverwriting(inputs: inputs, with: [path])
        // Refuses a file that holds anything (an earlier transcript, or any input) once it holds the lock.
        let writer = try TranscriptWriter(path: path, opening: .new)
        return Prepared(plan: plan, path: path, writer: writer)
    }

    private func prepareResume(_ path: String, pool: BackendSet) throws -> Prepared {
        // Lock first, then read: what is read is what this run continues, and no other
        // writer can append in between.
        let writer = try TranscriptWriter(path: path, opening: .existing)
        for warning in writer.warnings {
            StandardError.writeLine("polyphony: warning: \(warning)")
        }
        let (events, _) = try TranscriptReader(path: path).readAll()
        let plan = try SessionPlan.resume(events: events, file: path, backend: pool.backend(named:), humanTimeout: humanTimeout)
        return Prepared(plan: plan, path: path, writer: writer)
    }

    private func printSummary(_ end: EndRecord, path: String) {
        let tokens = end.totals.promptTokens + end.totals.completionTokens
        let line = "\(end.status.rawValue): \(end.totals.turns) turns, \(end.totals.ideas) ideas, \(tokens) tokens — transcript \(path)"
        if jsonEvents {
            StandardError.writeLine(line)
        } else {
            print(line)
        }
        if end.status == .failed, let reason = end.reason {
            StandardError.writeLine("polyphony: \(reason)")
        }
        if end.status == .interrupted {
            StandardError.writeLine("polyphony: interrupted; continue with `polyphony run --resume \(path)`")
        }
    }
}
