import Foundation
import PolyphonyCore
import PolyphonyTranscript
import Testing
@testable import PolyphonyEngine

/// `SessionPlan.rerun(recording:file:backend:)`: re-executing a completed recording.
@Suite struct SessionPlanRerunTests {
    private func recording(rounds: Int = 2) async throws -> [TranscriptEvent] {
        let backend = ScriptedBackend()
        let cast = Cast(members: ["ada", "bo"].map { EngineFixtures.participant($0, backend: backend) })
        return try await EngineFixtures.run(BrainwritingProtocol.self, cast: cast, rounds: rounds)
    }

    @Test func aRerunWithTheSameAnswersRecordsTheSameTurnsAndIdeas() async throws {
        let recorded = try await recording()
        let plan = try SessionPlan.rerun(recording: recorded, file: "t.jsonl", backend: ScriptedBackend())
        let path = EngineFixtures.temporaryTranscript()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await plan.rerunCompared(with: recorded, writingTo: path)
        #expect(result.end.status == .completed)
        #expect(result.comparison.matches, "\(result.comparison.differences)")
        #expect(result.comparison.turnsCompared == recorded.turns.count)
    }

    @Test func aRerunWithOtherAnswersListsTheDifferences() async throws {
        let recorded = try await recording()
        let other = ScriptedBackend { _ in "1. Something else entirely" }
        let plan = try SessionPlan.rerun(recording: recorded, file: "t.jsonl", backend: other)
        let path = EngineFixtures.temporaryTranscript()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await plan.rerunCompared(with: recorded, writingTo: path)
        #expect(!result.comparison.matches)
        #expect(!result.comparison.differences.isEmpty)
    }

    @Test func everySeatIsAnsweredByTheGivenBackend() async throws {
        let recorded = try await recording()
        let replay = ScriptedBackend(name: "replay")
        let plan = try SessionPlan.rerun(recording: recorded, file: "t.jsonl", backend: replay)
        #expect(plan.cast.everyone.allSatisfy { $0.backend == nil || $0.backend?.name == "replay" })
        #expect(plan.humanRecording != nil)
        #expect(plan.header == ResumeState(events: recorded).header)
    }

    @Test func anUnfinishedRecordingCannotBeRerun() async throws {
        let recorded = try await recording().filter { if case .end = $0 { false } else { true } }
        let error = #expect(throws: PolyphonyError.self) {
            try SessionPlan.rerun(recording: recorded, file: "t.jsonl", backend: ScriptedBackend())
        }
        #expect(error?.isInvalidInput == true)
        #expect(error?.file == "t.jsonl")
    }

    @Test func aRecordingWithoutAHeaderCannotBeRerun() throws {
        let error = #expect(throws: PolyphonyError.self) {
            try SessionPlan.rerun(recording: [], file: "t.jsonl", backend: ScriptedBackend())
        }
        #expect(error?.isInvalidInput == true)
        #expect(error?.line == 1)
    }
}
