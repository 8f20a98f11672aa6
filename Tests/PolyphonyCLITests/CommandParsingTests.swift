import ArgumentParser
import Testing
@testable import polyphony

/// Parses command lines in-process, as swift-argument-parser's own test helpers do: no binary
/// is spawned, so each test pins what a flag means and which combinations are refused.
@Suite struct CommandParsingTests {
    /// Parses `arguments` from the root command and returns the subcommand, which must be an `A`.
    private func parse<A: ParsableCommand>(_ arguments: [String], as type: A.Type) throws -> A {
        let command = try Polyphony.parseAsRoot(arguments)
        return try #require(command as? A, "parsed as \(Swift.type(of: command))")
    }

    /// The message and exit status the command line would show for `arguments`, which must not parse.
    private func usageError(_ arguments: [String]) -> (message: String, status: Int32)? {
        do {
            let command = try Polyphony.parseAsRoot(arguments)
            Issue.record("parsed as \(type(of: command)); expected a usage error")
            return nil
        } catch {
            return (Polyphony.message(for: error), Polyphony.exitCode(for: error).rawValue)
        }
    }

    @Test func runTakesTheSessionFileAndItsOptions() throws {
        let run = try parse(
            ["run", "s.yaml", "--seed", "7", "--human-timeout", "2.5", "--backend", "local", "--model", "m", "--quiet", "--no-cache"],
            as: RunCommand.self)
        #expect(run.session == "s.yaml")
        #expect(run.resume == nil)
        #expect(run.seed == 7)
        #expect(run.humanTimeout == 2.5)
        #expect(run.backend == "local")
        #expect(run.model == "m")
        #expect(run.quiet)
        #expect(run.noCache)
        #expect(!run.jsonEvents)
    }

    @Test func runResumesFromATranscriptWithoutASessionFile() throws {
        let run = try parse(["run", "--resume", "t.jsonl"], as: RunCommand.self)
        #expect(run.session == nil)
        #expect(run.resume == "t.jsonl")
    }

    @Test(arguments: [
        (["run", "s.yaml", "--human-timeout=-1"], "--human-timeout must be a number of seconds, 0 or more"),
        (["run", "s.yaml", "--human-timeout", "nan"], "--human-timeout must be a number of seconds, 0 or more"),
        (["run"], "give either a session file or --resume TRANSCRIPT"),
        (["run", "s.yaml", "--resume", "t.jsonl"], "give either a session file or --resume TRANSCRIPT"),
        (["run", "s.yaml", "--quiet", "--json-events"], "--quiet and --json-events exclude each other"),
        (["run", "--resume", "t.jsonl", "--backend", "local"], "--backend and --model apply to a new session"),
        (["run", "s.yaml", "--model", " "], "--model needs a model name"),
        (["experiment", "run", "g.yaml", "--concurrency", "0"], "--concurrency must be 1 or more"),
        (["experiment", "analyze", "dir", "--bootstrap", "50"], "--bootstrap must be 100 or more"),
        (["replay", "t.jsonl", "--speed", "0"], "--speed must be positive"),
        (["score", "--threshold", "2", "t.jsonl"], "--threshold must lie in (-1, 1]"),
        (["score", "calibrate", "coded.csv", "--from", "0.9", "--to", "0.5"], "need -1 < --from <= --to <= 1"),
        (["run", "s.yaml", "--threads", "0"], "--threads must be at least 1"),
        (["score", "t.jsonl", "--judge", "local", "--threads", "0"], "--threads must be at least 1"),
    ])
    func badOptionCombinationsAreUsageErrors(arguments: [String], reason: String) throws {
        let refusal = try #require(usageError(arguments))
        #expect(refusal.message.contains(reason))
        #expect(refusal.status == ExitCode.validationFailure.rawValue)
    }

    @Test func scoreWithoutASubcommandScoresFiles() throws {
        let score = try parse(["score", "a.jsonl", "b.jsonl", "--group", "a.jsonl=base", "--no-save"], as: ScoreCommand.Files.self)
        #expect(score.transcripts == ["a.jsonl", "b.jsonl"])
        #expect(score.noSave)
        let (grouping, everyTranscript) = try score.resolvedGrouping()
        #expect(everyTranscript == nil)
        #expect(grouping.key == .protocol)
    }

    @Test func experimentRunReadsItsSliceAndConcurrency() throws {
        let run = try parse(["experiment", "run", "g.yaml", "--shard", "2/8", "--concurrency", "3", "--out", "r"], as: ExperimentCommand.Run.self)
        #expect(run.grid == "g.yaml")
        #expect(run.shard == "2/8")
        #expect(run.concurrency == 3)
        #expect(run.out == "r")
    }

    @Test func backendsCheckTakesNamesAndTheSharedOptions() throws {
        let check = try parse(["backends", "check", "openai", "local", "--json", "--backends", "b.yaml"], as: BackendsCommand.Check.self)
        #expect(check.names == ["openai", "local"])
        #expect(check.source.json)
        #expect(check.source.backends == "b.yaml")
    }

    @Test func anUnknownOptionIsAUsageError() throws {
        let refusal = try #require(usageError(["replay", "t.jsonl", "--rerunn"]))
        #expect(refusal.message.contains("--rerunn"))
        #expect(refusal.status == ExitCode.validationFailure.rawValue)
    }
}
