import Foundation
import Testing
import PolyphonyCore
@testable import PolyphonyTranscript

/// One writer per transcript, and what a writer does with the end of a file it reopens.
@Suite struct TranscriptWriterTests {
    private static let header = SessionHeader(
        sessionId: "s1", toolVersion: "test", topic: "Cooler cities", protocolName: "solo", rounds: 1,
        participants: [ParticipantSnapshot(id: "ada", persona: Persona(id: "ada", name: "Ada", role: .member, body: "You are Ada."))],
        startedAt: Date(timeIntervalSince1970: 1_800_000_000)
    )
    private static let turn = TranscriptEvent.turn(TurnRecord(index: 0, round: 1, phase: "ideate", speaker: "ada", kind: .agent, response: "1. Shade"))

    private func line(_ event: TranscriptEvent) throws -> String {
        String(decoding: try TranscriptCoding.makeEncoder().encode(event), as: UTF8.self)
    }

    private func temporaryPath() -> String {
        NSTemporaryDirectory() + "writer-\(UUID().uuidString).jsonl"
    }

    @Test func aSecondWriterOfAnOpenTranscriptIsRefusedWithTheFileAndTheHoldersPid() async throws {
        let path = temporaryPath()
        let first = try TranscriptWriter(path: path)
        try await first.append(.session(Self.header))
        #expect {
            _ = try TranscriptWriter(path: path)
        } throws: { error in
            let description = "\(error)"
            return description.hasPrefix("\(path): ") && description.contains("pid \(getpid())")
        }
        await first.close()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
    }

    @Test func eventsWrittenTogetherAreLinesInOrderNumberedOneEach() async throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try TranscriptWriter(path: path)
        let first = try await writer.write(.session(Self.header))
        let idea = TranscriptEvent.idea(IdeaRecord(id: "i1", author: "ada", round: 1, text: "Shade", turn: 0))
        let last = try await writer.write(contentsOf: [Self.turn, idea])
        #expect(first == 1)
        #expect(last == 3)
        try await writer.waitUntilDurable(last)
        await writer.close()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == [try line(.session(Self.header)), try line(Self.turn), try line(idea)].joined(separator: "\n") + "\n")
    }

    @Test func aClosedWriterLetsTheNextOneIn() async throws {
        let path = temporaryPath()
        let first = try TranscriptWriter(path: path)
        try await first.append(.session(Self.header))
        await first.close()
        let second = try TranscriptWriter(path: path)
        try await second.append(Self.turn)
        await second.close()
        let (events, _) = try TranscriptReader(path: path).readAll()
        #expect(events == [.session(Self.header), Self.turn])
    }

    @Test func aCompleteFinalLineWithoutItsNewlineIsKeptWhenTheWriterReopensTheFile() async throws {
        let path = temporaryPath()
        try (try line(.session(Self.header)) + "\n" + (try line(Self.turn))).write(toFile: path, atomically: true, encoding: .utf8)
        let writer = try TranscriptWriter(path: path)
        try await writer.append(.note(NoteRecord(text: "resumed after turn 0")))
        await writer.close()
        let (events, summary) = try TranscriptReader(path: path).readAll()
        #expect(events == [.session(Self.header), Self.turn, .note(NoteRecord(text: "resumed after turn 0"))])
        #expect(summary.warnings.isEmpty)
    }

    @Test(arguments: ["first line\nsecond line without its newline", "hello", "\n{\"type\":\"no"])
    func aFileThatIsNotATranscriptIsRefusedAndLeftAsItWas(text: String) throws {
        let path = temporaryPath()
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            _ = try TranscriptWriter(path: path, opening: .existing)
        } throws: { error in
            (error as? PolyphonyError)?.isInvalidInput == true
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
    }

    @Test func aHeaderOfAnUnknownVersionWithoutItsNewlineIsNotTakenForAFragment() throws {
        let path = temporaryPath()
        let future = try line(.session(Self.header)).replacingOccurrences(of: "\"schema_version\":1", with: "\"schema_version\":2")
        try future.write(toFile: path, atomically: true, encoding: .utf8)
        for opening in [TranscriptWriter.Opening.existing, .createOrAppend] {
            #expect {
                _ = try TranscriptWriter(path: path, opening: opening)
            } throws: { error in
                (error as? PolyphonyError)?.isUnsupportedSchema == true
            }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == future)
    }

    @Test func aHeaderCutMidWriteIsEmptiedByAWriterThatMayCreateTheFile() async throws {
        let path = temporaryPath()
        try String(try line(.session(Self.header)).prefix(40)).write(toFile: path, atomically: true, encoding: .utf8)
        let writer = try TranscriptWriter(path: path)
        #expect(writer.warnings.count == 1)
        try await writer.append(.session(Self.header))
        await writer.close()
        #expect(try TranscriptReader(path: path).readAll().events == [.session(Self.header)])
    }

    @Test func aSecondSessionHeaderIsRejectedByTheReader() throws {
        let path = temporaryPath()
        try ([try line(.session(Self.header)), try line(Self.turn), try line(.session(Self.header))].joined(separator: "\n") + "\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try TranscriptReader(path: path).readAll()
        } throws: { error in
            (error as? PolyphonyError)?.isInvalidInput == true && (error as? PolyphonyError)?.line == 3
        }
    }

    @Test func aTurnIndexRecordedTwiceIsRejectedByTheReader() throws {
        let path = temporaryPath()
        try ([try line(.session(Self.header)), try line(Self.turn), try line(Self.turn)].joined(separator: "\n") + "\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try TranscriptReader(path: path).readAll()
        } throws: { error in
            (error as? PolyphonyError)?.isInvalidInput == true && (error as? PolyphonyError)?.line == 3
        }
    }

    @Test func aDirectoryIsNeitherReadNorWrittenAsATranscript() throws {
        let folder = NSTemporaryDirectory() + "folder-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect {
            try TranscriptReader(path: folder).readAll()
        } throws: { error in
            "\(error)" == "\(folder): is a directory, not a transcript file"
        }
        #expect {
            _ = try TranscriptWriter(path: folder)
        } throws: { error in
            "\(error)" == "\(folder): is a directory, not a transcript file"
        }
    }
}
