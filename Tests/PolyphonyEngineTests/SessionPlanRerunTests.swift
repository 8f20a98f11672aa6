import Foundation
import PolyphonyCore
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
        let end = try await plan.orchestrator(writer: try TranscriptWriter(path: path, opening: .new)).run()
        #expect(end.status == .completed)
        let rerun = try TranscriptReader(path: path).readAll().events
        let comparison = TranscriptComparison(recorded: recorded, rerun: rerun)
        #expect(comparison.matches, "\(comparison.differences)")
        #expect(comparison.turnsCompared == recorded.turns.count)
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
