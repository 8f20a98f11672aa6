import Foundation
import PolyphonyCore
import PolyphonyTranscript

/// A fresh temporary folder per test, so tests never share files.
struct ScratchDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "polyphony-scoring-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `contents` to `name` inside the folder and returns its path.
    func write(_ name: String, _ contents: String) throws -> String {
        let file = path + "/" + name
        try Data(contents.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// Writes a transcript with the given participants and ideas through the real writer.
    func writeTranscript(
        _ name: String, sessionId: String, protocolName: String, topic: String,
        participants: [(id: String, role: Persona.Role)], ideas: [IdeaRecord]
    ) async throws -> String {
        let file = path + "/" + name
        let writer = try TranscriptWriter(path: file, durable: false)
        let snapshots = participants.map { participant in
            ParticipantSnapshot(id: participant.id, persona: Persona(id: participant.id, name: participant.id, role: participant.role, body: ""))
        }
        try await writer.append(.session(SessionHeader(
            sessionId: sessionId, toolVersion: "test", topic: topic, protocolName: protocolName,
            rounds: ideas.map(\.round).max() ?? 1, participants: snapshots, startedAt: Date(timeIntervalSince1970: 0)
        )))
        for idea in ideas { try await writer.append(.idea(idea)) }
        try await writer.append(.end(EndRecord(status: .completed, totals: .init(ideas: ideas.count))))
        await writer.close()
        return file
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
