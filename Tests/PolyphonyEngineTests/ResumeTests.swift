import Foundation
import PolyphonyCore
import PolyphonyTranscript
import Testing
@testable import PolyphonyEngine

@Suite struct ResumeTests {
    /// Cuts a finished transcript after `keep` lines, as a kill -9 would, then resumes it.
    private func cutAndResume(keepLines keep: Int) async throws -> (first: [TranscriptEvent], resumed: [TranscriptEvent], calls: Int) {
        let backend = ScriptedBackend()
        let cast = Cast(members: ["ada", "bo", "cy"].map { EngineFixtures.participant($0, backend: backend) })
        let path = EngineFixtures.temporaryTranscript()
        let first = try await EngineFixtures.run(BrainwritingProtocol.self, cast: cast, rounds: 3, path: path)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        try (lines.prefix(keep).joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)

        let recorded = try TranscriptReader(path: path).readAll().events
        let state = ResumeState(events: recorded)
        let header = try #require(state.header)
        let resumedBackend = ScriptedBackend()
        let resumedCast = Cast(members: ["ada", "bo", "cy"].map { EngineFixtures.participant($0, backend: resumedBackend) })
        let orchestrator = Orchestrator(header: header, cast: resumedCast, protocol: BrainwritingProtocol(), writer: try TranscriptWriter(path: path), resume: state)
        try await orchestrator.run()
        return (first, try TranscriptReader(path: path).readAll().events, resumedBackend.requests.count)
    }

    @Test(arguments: [1, 2, 5, 9, 14, 20, 33])
    func aResumedSessionHasEveryTurnExactlyOnce(keepLines: Int) async throws {
        let (first, resumed, _) = try await cutAndResume(keepLines: keepLines)
        let keys = resumed.turns.map { "\($0.round)/\($0.phase)/\($0.speaker)" }
        #expect(keys.count == Set(keys).count)
        #expect(Set(keys) == Set(first.turns.map { "\($0.round)/\($0.phase)/\($0.speaker)" }))
        #expect(Set(resumed.turns.map(\.index)).count == resumed.turns.count)
        #expect(resumed.ideas.count == first.ideas.count)
        #expect(resumed.end?.status == .completed)
        #expect(resumed.end?.totals.turns == 9)
    }

    @Test func resumingAsksOnlyForTheMissingTurns() async throws {
        // Header, then turn+3 ideas for each of the first two speakers: 1 + 2 × 4 lines.
        let (_, _, calls) = try await cutAndResume(keepLines: 9)
        #expect(calls == 7)
    }

    @Test func ideasLostBetweenATurnAndItsIdeasAreExtractedAgain() async throws {
        // Header and the first turn, but not its ideas.
        let (first, resumed, calls) = try await cutAndResume(keepLines: 2)
        #expect(calls == 8)
        #expect(resumed.ideas.count == first.ideas.count)
        #expect(resumed.ideas.filter { $0.turn == 0 }.count == 3)
    }

    @Test func aSessionResumedBeforeItsFirstTurnNeverSaysTurnMinusOne() async throws {
        let (_, resumed, _) = try await cutAndResume(keepLines: 1)
        let note = try #require(resumed.notes.first)
        #expect(note.text == "resumed before the first turn; no recorded turn to reuse")
        #expect(!resumed.notes.contains { $0.text.contains("turn -1") })
    }
}
