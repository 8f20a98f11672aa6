import ArgumentParser
import Foundation
import PolyphonyCore
import PolyphonyScoring

/// The `polyphony` command: parses, validates, wires concrete types and hands off.
/// Each subcommand lives in its own `<Name>Command.swift`.
@main
struct Polyphony: AsyncParsableCommand {
    /// One version string: reports print it in their header, transcripts record it.
    static let version = ReportHTML.polyphonyVersion

    static let configuration = CommandConfiguration(
        commandName: "polyphony",
        abstract: "Run groups of LLM agents (and you) through ideation rounds, and measure how different their ideas are.",
        discussion: """
            Typical flow:
              polyphony personas list                       # who can take part
              polyphony backends list                       # which model servers are configured
              polyphony run sessions/brainwriting.yaml      # a session (local model by default)
              polyphony transcript show FILE                # who said what, round by round
              polyphony score FILE --html report.html       # how diverse, and how good
              polyphony rate FILE --rater NAME              # rate ideas blind yourself
              polyphony experiment run GRID --out DIR       # conditions × topics × seeds
              polyphony experiment analyze DIR              # means, bootstrap CIs, effect sizes

            Every command exits 0 on success, or prints one line saying what went wrong
            and exits non-zero.
            """,
        version: version,
        subcommands: [
            // Each subcommand adds itself here, one line each.
            RunCommand.self,
            PersonasCommand.self,
            TranscriptCommand.self,
            ReplayCommand.self,
            BackendsCommand.self,
            ScoreCommand.self,
            RateCommand.self,
            ExperimentCommand.self,
            BaselineCommand.self,
        ]
    )

    /// Prints user-facing failures as one line instead of argument-parser's usage dump.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as PolyphonyError {
            StandardError.writeLine("polyphony: \(error.description)")
            Foundation.exit(error.isInvalidInput ? 65 : 1)
        } catch {
            exit(withError: error)
        }
    }
}
