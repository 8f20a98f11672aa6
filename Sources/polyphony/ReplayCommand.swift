import ArgumentParser
import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyEngine
import PolyphonyTranscript

/// `polyphony replay TRANSCRIPT [--live] [--rerun]`.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Show a recorded session as it happened, or re-execute it and check it matches.",
        discussion: """
            Without options the session is printed round by round. --live paces it with the
            recorded latencies (--speed 4 plays four times faster).

            --rerun runs the whole session again through the replay backend: every agent
            request is answered from the recording, matched by the SHA-256 digest of its
            prompt, and the human's turns are played back. The new transcript must have the
            same turns with the same prompts and responses, and the same ideas; any
            difference is listed and the command exits 1. This checks that a transcript is
            a faithful, reproducible record of what the orchestrator did.
            """
    )

    @Argument(help: "The transcript to replay.") var transcript: String
    @Flag(help: "Pace the output with the recorded latencies.") var live = false
    @Option(help: "With --live, play this many times faster.") var speed: Double = 1
    @Flag(help: "Re-execute the session through the replay backend and compare.") var rerun = false
    @Option(help: "With --rerun, keep the new transcript here (default: a temporary file, removed when it matches).") var out: String?
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard speed > 0 else { throw ValidationError("--speed must be positive") }
    }

    func run() async throws {
        if rerun {
            try await reexecute()
            return
        }
        let renderer = TranscriptRenderer(maxResponseCharacters: nil)
        var state = TranscriptRenderer.State()
        let summary = try TranscriptReader(path: transcript).forEach { event, _ in
            if live, case .turn(let turn) = event, let latency = turn.latencyMs {
                Thread.sleep(forTimeInterval: min(latency / 1000 / speed, 30))
            }
            FileHandle.standardOutput.write(Data(renderer.render(event, state: &state).utf8))
        }
        for warning in summary.warnings {
            StandardError.writeLine("polyphony: warning: \(warning)")
        }
    }

    private func reexecute() async throws {
        if let out { try FileIdentity.refuseOverwriting(inputs: [transcript], with: [out]) }
        let (recorded, _) = try TranscriptReader(path: transcript).readAll()
        let plan = try SessionPlan.rerun(recording: recorded, file: transcript, backend: try ReplayBackend.load(transcript: transcript))
        let path = out ?? NSTemporaryDirectory() + "polyphony-rerun-\(UUID().uuidString).jsonl"
        let result = try await plan.rerunCompared(with: recorded, writingTo: path, logger: logging.logger)
        let comparison = result.comparison
        if comparison.matches {
            print("rerun matches the recording: \(comparison.turnsCompared) turns and \(comparison.ideasCompared) ideas identical (\(result.end.status.rawValue))")
            if out == nil { try? FileManager.default.removeItem(atPath: path) }
            return
        }
        for difference in comparison.differences.prefix(20) {
            StandardError.writeLine("polyphony: \(transcript): \(difference)")
        }
        if comparison.differences.count > 20 {
            StandardError.writeLine("polyphony: … and \(comparison.differences.count - 20) more differences")
        }
        StandardError.writeLine("polyphony: the rerun differs from the recording; its transcript is \(path)")
        throw ExitCode(1)
    }
}
