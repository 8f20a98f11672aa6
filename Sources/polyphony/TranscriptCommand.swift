import ArgumentParser
import Foundation
import PolyphonyCore
import PolyphonyEngine
import PolyphonyTranscript

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
        @Flag(help: "Print the result as JSON (schema polyphony.transcript-validation/1, docs/schemas/transcript-validation.schema.json).") var json = false

        func run() async throws {
            let report = try TranscriptValidator().validate(path: file)
            if json {
                let output = ValidationOutput(
                    file: file, sessionId: report.header?.sessionId, events: report.events, turns: report.turns,
                    humanTurns: report.humanTurns, ideas: report.ideas, endStatus: report.endStatus?.rawValue, warnings: report.warnings)
                print(String(decoding: try JSONOutput.data(output), as: UTF8.self))
            } else {
                for warning in report.warnings {
                    StandardError.writeLine("polyphony: warning: \(warning)")
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
                StandardError.writeLine("polyphony: warning: \(warning)")
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
        /// About 9.6 KB each: the default bounds the file near 200 MB even if nobody kills the writer.
        @Option var events = 20_000
        /// The process whose death stops the writer; its parent at start when not given. A
        /// caller passes its own pid, so a writer whose parent died before it ran stops too.
        @Option(name: .customLong("parent-pid")) var parentPID: Int32?

        func run() async throws {
            // A writer orphaned by a test process that died stops instead of filling the disk.
            let parent = parentPID ?? getppid()
            if getppid() != parent { return }
            let writer = try TranscriptWriter(path: file)
            let persona = Persona(id: "writer", name: "Writer", role: .member, body: "Writes.")
            try await writer.append(.session(SessionHeader(
                sessionId: UUID().uuidString, toolVersion: Polyphony.version, topic: "crash safety",
                protocolName: "solo", rounds: 1, participants: [ParticipantSnapshot(id: "writer", persona: persona)],
                startedAt: Date()
            )))
            let filler = String(repeating: "Long response text to widen the write window. ", count: 200)
            for index in 0..<events {
                if getppid() != parent { return }
                try await writer.append(.turn(TurnRecord(
                    index: index, round: 1, phase: "ideate", speaker: "writer", kind: .agent,
                    response: "\(index): \(filler)", at: Date()
                )))
            }
            try await writer.append(.end(EndRecord(status: .completed, totals: .init(turns: events))))
        }
    }
}

/// The stable `transcript validate --json` output, schema `polyphony.transcript-validation/1`.
private struct ValidationOutput: Encodable {
    let schema = "polyphony.transcript-validation/1"
    let file: String
    /// Absent when the file has no session header.
    let sessionId: String?
    let events: Int
    let turns: Int
    let humanTurns: Int
    let ideas: Int
    /// The last `end` event's status; `null` (kept from before the schema was versioned) for
    /// a transcript that was cut off.
    let endStatus: String?
    let warnings: [String]

    private enum CodingKeys: String, CodingKey {
        case schema, file, sessionId, events, turns, humanTurns, ideas, endStatus, warnings
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(file, forKey: .file)
        try container.encodeIfPresent(sessionId, forKey: .sessionId)
        try container.encode(events, forKey: .events)
        try container.encode(turns, forKey: .turns)
        try container.encode(humanTurns, forKey: .humanTurns)
        try container.encode(ideas, forKey: .ideas)
        try container.encode(endStatus, forKey: .endStatus)
        try container.encode(warnings, forKey: .warnings)
    }
}
