import Foundation
import PolyphonyCore
import PolyphonyTranscript
import Testing
@testable import PolyphonyEngine

@Suite struct ProtocolTests {
    let backend = ScriptedBackend()

    private func members(_ ids: [String]) -> [Participant] {
        ids.map { EngineFixtures.participant($0, backend: backend) }
    }

    @Test func soloRunsOneAgentOncePerRound() async throws {
        let events = try await EngineFixtures.run(SoloProtocol.self, cast: Cast(members: members(["ada"])), rounds: 3)
        #expect(events.turns.map(\.speaker) == ["ada", "ada", "ada"])
        #expect(events.turns.map(\.round) == [1, 2, 3])
        #expect(events.ideas.count == 9)
        #expect(events.end?.status == .completed)
        #expect(events.end?.totals == EndRecord.Totals(turns: 3, ideas: 9, promptTokens: 30, completionTokens: 15))
    }

    @Test func roundRobinSpeaksInFixedOrderAndEachSeesTheDiscussion() async throws {
        let backend = ScriptedBackend()
        let cast = Cast(members: ["ada", "bo", "cy"].map { EngineFixtures.participant($0, backend: backend) })
        let events = try await EngineFixtures.run(RoundRobinProtocol.self, cast: cast, rounds: 2)
        #expect(events.turns.map(\.speaker) == ["ada", "bo", "cy", "ada", "bo", "cy"])
        #expect(Set(events.turns.map(\.phase)) == ["discuss"])
        let lastPrompt = backend.requests.last?.messages.last?.content ?? ""
        #expect(lastPrompt.contains("Bo (round 2, discuss)"))
        #expect(lastPrompt.contains("[i1]"))
    }

    @Test func brainwritingMembersDoNotSeeEachOthersIdeasWithinARound() async throws {
        let backend = ScriptedBackend()
        let cast = Cast(members: ["ada", "bo", "cy"].map { EngineFixtures.participant($0, backend: backend) })
        let events = try await EngineFixtures.run(BrainwritingProtocol.self, cast: cast, rounds: 2)
        #expect(events.turns.count == 6)
        #expect(Set(events.turns.prefix(3).map(\.speaker)) == ["ada", "bo", "cy"])
        let firstRound = backend.requests.prefix(3).map { $0.messages.last?.content ?? "" }
        #expect(firstRound.allSatisfy { !$0.contains("[i") })
        let secondRound = backend.requests.suffix(3).map { $0.messages.last?.content ?? "" }
        #expect(secondRound.allSatisfy { $0.contains("[i9]") && $0.contains("anonymous") })
    }

    @Test func leaderLedOpensEachRoundWithTheLeaderAndEndsWithACitingSynthesis() async throws {
        let backend = ScriptedBackend { request in
            let system = request.messages.first?.content ?? ""
            if system.contains("integrate") { return "Final proposal: combine shade [i1] with roofs [i2] across the district." }
            if system.contains("facilitate") { return "Summary. Ada: shade. Bo: water." }
            return try await ScriptedBackend.numberedIdeas(request)
        }
        let cast = Cast(
            members: ["ada", "bo"].map { EngineFixtures.participant($0, backend: backend) },
            leader: EngineFixtures.participant("lea", seat: .leader, backend: backend),
            synthesizer: EngineFixtures.participant("syn", seat: .synthesizer, backend: backend)
        )
        let events = try await EngineFixtures.run(LeaderLedProtocol.self, cast: cast, rounds: 2)
        #expect(events.turns.map(\.phase) == ["lead", "respond", "respond", "lead", "respond", "respond", "synthesize"])
        #expect(events.turns.first?.speaker == "lea")
        let synthesis = try #require(events.ideas.last)
        #expect(synthesis.author == "syn")
        #expect(synthesis.parents == ["i1", "i2"])
        #expect(events.ideas.filter { $0.author == "lea" }.isEmpty)
    }

    @Test func critiqueReviseAlternatesProposalsCritiquesAndRevisions() async throws {
        let backend = ScriptedBackend { request in
            if request.messages.first?.content.contains("critique the proposals") == true { return "i1: too costly; phase it." }
            return try await ScriptedBackend.numberedIdeas(request)
        }
        let cast = Cast(
            members: ["ada", "bo"].map { EngineFixtures.participant($0, backend: backend) },
            critics: ["cost", "equity"].map { EngineFixtures.participant($0, seat: .critic, backend: backend) }
        )
        let events = try await EngineFixtures.run(CritiqueReviseProtocol.self, cast: cast, rounds: 2)
        #expect(events.turns.map(\.phase) == ["propose", "propose", "critique", "critique", "revise", "revise"])
        #expect(events.ideas.allSatisfy { $0.author == "ada" || $0.author == "bo" })
        let revisePrompt = backend.requests.last?.messages.last?.content ?? ""
        #expect(revisePrompt.contains("too costly"))
    }

    @Test func critiqueReviseRejectsASingleRound() {
        let cast = Cast(members: members(["ada"]), critics: [EngineFixtures.participant("c", seat: .critic, backend: backend)])
        #expect(throws: PolyphonyError.invalidInput) { try CritiqueReviseProtocol.validate(cast: cast, rounds: 1) }
    }

    @Test func aTokenBudgetStopsTheSessionCleanly() async throws {
        let events = try await EngineFixtures.run(SoloProtocol.self, cast: Cast(members: members(["ada"])), rounds: 5, budget: 30)
        #expect(events.turns.count == 2)
        #expect(events.end?.status == .completed)
        #expect(events.end?.reason == "token budget of 30 reached")
    }

    @Test func aBackendFailureEndsTheSessionAsFailedWithTheReason() async throws {
        let failing = ScriptedBackend { _ in throw PolyphonyError.backend("unauthorized", backend: "scripted", status: 401) }
        let cast = Cast(members: [EngineFixtures.participant("ada", backend: failing)])
        let events = try await EngineFixtures.run(SoloProtocol.self, cast: cast, rounds: 1)
        #expect(events.end?.status == .failed)
        #expect(events.end?.reason == "backend scripted (HTTP 401): unauthorized")
    }

    @Test func everyAgentTurnRecordsTheDigestOfItsMessages() async throws {
        let backend = ScriptedBackend()
        let events = try await EngineFixtures.run(SoloProtocol.self, cast: Cast(members: [EngineFixtures.participant("ada", backend: backend)]), rounds: 1)
        #expect(events.turns.first?.messagesDigest == ChatRequest.messagesDigest(backend.requests[0].messages))
        #expect(events.turns.first?.messages == nil)
    }
}
