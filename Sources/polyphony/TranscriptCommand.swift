import ArgumentParser
import Foundation
import PolyphonyCore
import PolyphonyEngine

/// `polyphony transcript validate|show FILE`.
struct TranscriptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcript",
        abstract: "Check or read a session transcript (JSONL; format in docs/transcript-format.md).",
        subcommands: [Validate.self, Show.self, AppendDemo.self]
    )

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a transcript: every line an event of schema v1, a session header first, speakers and idea links consistent.",
            discussion: "A final line cut off by a crash is reported as a warning and does not fail validation; it is what a killed session leaves behind."
        )

        @Argument(help: "The transcript file.") var file: String
        @Flag(help: "Print the result as JSON (stable: file, session_id, events, turns, human_turns, ideas, end_status, warnings).") var json = false

        func run() async throws {
            let report = try TranscriptValidator().validate(path: file)
            if json {
                var object: [String: Any] = [
                    "file": file, "events": report.events, "turns": report.turns,
                    "human_turns": report.humanTurns, "ideas": report.ideas, "warnings": report.warnings,
                ]
                object["session_id"] = report.header?.sessionId
                object["end_status"] = report.endStatus?.rawValue ?? NSNull()
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            } else {
                for warning in report.warnings {
                    FileHandle.standardError.write(Data("polyphony: warning: \(warning)\n".utf8))
                }
                let status = report.endStatus?.rawValue ?? "cut off (no end event)"
                print("\(file): valid — \(report.events) events, \(report.turns) turns (\(report.humanTurns) human), \(report.ideas) ideas; \(status)")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print who said what, round by round.")

        @Argument(help: "The transcript file.") var file: String
        @Flag(help: "Also print the prompts each agent was sent, when the transcript recorded them.") var messages = false
        @Option(help: "Cut each response after this many characters.") var maxChars: Int?

        func run() async throws {
            let renderer = TranscriptRenderer(showMessages: messages, maxResponseCharacters: maxChars)
            var state = TranscriptRenderer.State()
            let summary = try TranscriptReader(path: file).forEach { event, _ in
                print(renderer.render(event, state: &state), terminator: "")
            }
            for warning in summary.warnings {
                FileHandle.standardError.write(Data("polyphony: warning: \(warning)\n".utf8))
            }
        }
    }

    /// Appends synthetic events as fast as it can; the crash-safety test kills it mid-write.
    struct AppendDemo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "append-demo",
            abstract: "Append synthetic events to FILE (used by the crash-safety test).",
            shouldDisplay: false
        )

        @Argument var file: String
        @Option var events = 1_000_000

        func run() async throws {
            let writer = try TranscriptWriter(path: file)
            let persona = Persona(id: "writer", name: "Writer", role: .member, body: "Writes.")
            try await writer.append(.session(SessionHeader(
                sessionId: UUID().uuidString, toolVersion: Polyphony.version, topic: "crash safety",
                protocolName: "solo", rounds: 1, participants: [ParticipantSnapshot(id: "writer", persona: persona)],
                startedAt: Date()
            )))
            let filler = String(repeating: "Long response text to widen the write window. ", count: 200)
            for index in 0..<events {
                try await writer.append(.turn(TurnRecord(
                    index: index, round: 1, phase: "ideate", speaker: "writer", kind: .agent,
                    response: "\(index): \(filler)", at: Date()
                )))
            }
            try await writer.append(.end(EndRecord(status: .completed, totals: .init(turns: events))))
        }
    }
}
