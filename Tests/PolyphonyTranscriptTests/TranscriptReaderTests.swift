import Foundation
import Testing
import PolyphonyCore
@testable import PolyphonyTranscript

@Suite struct TranscriptReaderTests {
    private static let header = SessionHeader(
        sessionId: "s1", toolVersion: "test", topic: "Cooler cities", protocolName: "brainwriting", rounds: 2,
        participants: [ParticipantSnapshot(id: "ada", persona: Persona(id: "ada", name: "Ada", role: .member, body: "You are Ada."), backend: "local", model: "m")],
        seed: 7, startedAt: Date(timeIntervalSince1970: 1_800_000_000)
    )

    private func write(_ lines: [String], trailingNewline: Bool = true) throws -> String {
        let path = NSTemporaryDirectory() + "transcript-\(UUID().uuidString).jsonl"
        let text = lines.joined(separator: "\n") + (trailingNewline ? "\n" : "")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func line(_ event: TranscriptEvent) throws -> String {
        String(decoding: try TranscriptCoding.makeEncoder().encode(event), as: UTF8.self)
    }

    @Test func eventsWrittenByTheWriterReadBackEqual() async throws {
        let path = NSTemporaryDirectory() + "roundtrip-\(UUID().uuidString).jsonl"
        let events: [TranscriptEvent] = [
            .session(Self.header),
            .turn(TurnRecord(index: 0, round: 1, phase: "ideate", speaker: "ada", kind: .agent, model: "m", messagesDigest: "ab", response: "1. Shade", finishReason: .stop, usage: TokenUsage(promptTokens: 10, completionTokens: 3), latencyMs: 12.5, attempts: 1, at: Date(timeIntervalSince1970: 1_800_000_001))),
            .idea(IdeaRecord(id: "i1", author: "ada", round: 1, text: "Shade", turn: 0)),
            .note(NoteRecord(text: "retry")),
            .end(EndRecord(status: .completed, totals: .init(turns: 1, ideas: 1, promptTokens: 10, completionTokens: 3))),
        ]
        let writer = try TranscriptWriter(path: path)
        for event in events { try await writer.append(event) }
        await writer.close()
        let (read, summary) = try TranscriptReader(path: path).readAll()
        #expect(read == events)
        #expect(summary.warnings.isEmpty)
    }

    @Test func linesUseSnakeCaseKeysAndTheProtocolField() throws {
        let text = try line(.session(Self.header))
        #expect(text.contains("\"schema_version\":1"))
        #expect(text.contains("\"session_id\":\"s1\""))
        #expect(text.contains("\"protocol\":\"brainwriting\""))
        #expect(text.hasPrefix("{") && !text.contains("\n"))
    }

    @Test func aFinalLineCutOffMidWriteIsAWarningNotAnError() throws {
        let complete = try line(.session(Self.header))
        let partial = String(try line(.note(NoteRecord(text: "half written"))).prefix(15))
        let path = try write([complete, partial], trailingNewline: false)
        let (events, summary) = try TranscriptReader(path: path).readAll()
        #expect(events.count == 1)
        #expect(summary.truncated)
        #expect(summary.warnings == ["\(path):2: final line cut off mid-write (15 bytes); ignored"])
    }

    @Test func aMalformedCompleteLineIsAnErrorNamingItsLine() throws {
        let path = try write([try line(.session(Self.header)), "{\"type\":\"idea\",\"id\":"])
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try TranscriptReader(path: path).readAll()
        }
        #expect(error?.file == path && error?.line == 2)
    }

    @Test func aMissingFieldIsNamedInTheFilesSpelling() throws {
        let path = try write([try line(.session(Self.header)), #"{"type":"idea","id":"i1","round":1,"text":"x","parents":[]}"#])
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try TranscriptReader(path: path).readAll()
        }
        #expect(error?.file == path && error?.line == 2)
    }

    @Test func anUnknownEventTypeIsNamed() throws {
        let path = try write([try line(.session(Self.header)), #"{"type":"vote","who":"ada"}"#])
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try TranscriptReader(path: path).readAll()
        }
        #expect(error?.file == path && error?.line == 2)
    }

    @Test func anUnknownSchemaVersionIsRejectedWithTheVersionsNamed() throws {
        let future = try line(.session(Self.header)).replacingOccurrences(of: "\"schema_version\":1", with: "\"schema_version\":2")
        let path = try write([future])
        let error = #expect(throws: PolyphonyError.unsupportedSchema) {
            try TranscriptReader(path: path).readAll()
        }
        #expect(error?.file == path && error?.line == 1)
    }

    @Test func aTranscriptMustStartWithASessionHeader() throws {
        let path = try write([try line(.note(NoteRecord(text: "hi")))])
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try TranscriptReader(path: path).readAll()
        }
        #expect(error?.file == path && error?.line == 1)
    }

    @Test func anEmptyFileIsAnError() throws {
        let path = try write([], trailingNewline: false)
        let error = #expect(throws: PolyphonyError.invalidInput) {
            try TranscriptReader(path: path).readAll()
        }
        #expect(error?.file == path)
    }

    @Test func readingStreamsAcrossChunkBoundaries() throws {
        var lines = [try line(.session(Self.header))]
        for index in 0..<200 { lines.append(try line(.idea(IdeaRecord(id: "i\(index)", author: "ada", round: 1, text: "idea \(index)")))) }
        let path = try write(lines)
        let summary = try TranscriptReader(path: path, chunkSize: 7).forEach { _, _ in }
        #expect(summary.events == 201)
    }

    @Test func theWriterCutsAPartialFinalLineBeforeAppending() async throws {
        let complete = try line(.session(Self.header))
        let path = try write([complete, "{\"type\":\"no"], trailingNewline: false)
        let writer = try TranscriptWriter(path: path)
        try await writer.append(.note(NoteRecord(text: "resumed")))
        await writer.close()
        let (events, summary) = try TranscriptReader(path: path).readAll()
        #expect(events == [.session(Self.header), .note(NoteRecord(text: "resumed"))])
        #expect(summary.warnings.isEmpty)
    }
}
