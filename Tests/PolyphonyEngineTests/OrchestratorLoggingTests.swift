import Foundation
import InMemoryLogging
import Logging
import PolyphonyCore
import PolyphonyTranscript
import Testing
@testable import PolyphonyEngine

/// What a session tells the logger it is given.
@Suite struct OrchestratorLoggingTests {
    @Test func aSessionLogsEachTurnASkippedHumanTurnAndHowItEnded() async throws {
        var handler = InMemoryLogHandler()
        handler.logLevel = .debug
        let configured = handler
        let human = HumanSlot(display: { _ in })
        await human.receive("/skip")
        await human.finishInput()
        let cast = Cast(members: [
            EngineFixtures.participant("ada", backend: ScriptedBackend()),
            EngineFixtures.participant("human", backend: ScriptedBackend(), role: .human),
        ])
        let header = EngineFixtures.header("round-robin", rounds: 1, cast: cast)
        let orchestrator = Orchestrator(
            header: header, cast: cast, protocol: RoundRobinProtocol(), writer: try TranscriptWriter(path: EngineFixtures.temporaryTranscript()),
            human: human, logger: Logger(label: "test", factory: { _ in configured }))
        try await orchestrator.run()

        let entries = configured.entries
        #expect(entries.allSatisfy { $0.metadata["session"] == "\(header.sessionId)" })
        let turn = try #require(entries.first { $0.message.description == "turn recorded" })
        #expect(turn.level == .debug)
        #expect(turn.metadata["speaker"] == "ada" && turn.metadata["attempts"] == "1" && turn.metadata["round"] == "1")
        let skipped = try #require(entries.first { $0.message.description.hasPrefix("human turn skipped") })
        #expect(skipped.level == .info && skipped.metadata["speaker"] == "human")
        #expect(entries.last?.message.description == "session ended: completed")
        #expect(entries.last?.level == .info)
    }
}
