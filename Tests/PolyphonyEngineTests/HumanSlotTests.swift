import Foundation
import PolyphonyCore
import PolyphonyTranscript
import PolyphonyTestSupport
import Testing
@testable import PolyphonyEngine

@Suite struct HumanSlotTests {
    private func slot() -> HumanSlot { HumanSlot(display: { _ in }) }

    /// A typed slot whose time limits run on a manual clock.
    private func slotOnManualClock() -> (HumanSlot, ManualClock) {
        let clock = ManualClock()
        return (HumanSlot(display: { _ in }, clock: clock), clock)
    }

    @Test func anAnswerEndsAtTheFirstEmptyLine() async {
        let human = slot()
        for line in ["", "Shade sails over bus stops", "and water fountains", "", "next turn"] { await human.receive(line) }
        #expect(await human.answer(prompt: "?", timeout: nil) == .text("Shade sails over bus stops\nand water fountains", ideas: []))
    }

    @Test func ideaCommandsAddExplicitIdeas() async {
        let human = slot()
        for line in ["/idea Cool pavements", "/idea Night markets", ""] { await human.receive(line) }
        #expect(await human.answer(prompt: "?", timeout: nil) == .text("", ideas: ["Cool pavements", "Night markets"]))
    }

    @Test func skipAndEndAreCommands() async {
        let human = slot()
        await human.receive("/skip")
        await human.receive("/end")
        #expect(await human.answer(prompt: "?", timeout: nil) == .skipped(reason: "the human skipped this turn"))
        #expect(await human.answer(prompt: "?", timeout: nil) == .end)
    }

    @Test func injectLinesNeverBelongToATurn() async {
        let human = slot()
        await human.receive("/inject Think about night-time heat")
        await human.receive("My answer")
        await human.receive("")
        #expect(await human.drainInjects() == ["Think about night-time heat"])
        #expect(await human.drainInjects() == [])
        #expect(await human.answer(prompt: "?", timeout: nil) == .text("My answer", ideas: []))
    }

    @Test func silenceSkipsTheTurnAfterTheTimeout() async {
        let (human, clock) = slotOnManualClock()
        async let answer = human.answer(prompt: "?", timeout: .seconds(90))
        await clock.waitForSleepers(1)
        #expect(clock.sleeperDeadlines == [ManualClock.Instant(offset: .seconds(90))])
        clock.advance(by: .seconds(90))
        #expect(await answer == .skipped(reason: "no answer within the time limit"))
    }

    @Test func theTimeLimitCountsFromThePromptNotFromEachLine() async {
        let (human, clock) = slotOnManualClock()
        async let answer = human.answer(prompt: "?", timeout: .seconds(90))
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(60))
        await human.receive("half an answer")
        // The wait for the next line ends where the turn's limit does, 30 s later, not 90.
        await clock.waitForSleeps(total: 2)
        #expect(clock.sleeperDeadlines == [ManualClock.Instant(offset: .seconds(90))])
        clock.advance(by: .seconds(30))
        #expect(await answer == .text("half an answer", ideas: []))
    }

    @Test func theEndOfInputSkipsEveryLaterTurnAtOnce() async {
        let human = slot()
        await human.finishInput()
        #expect(await human.answer(prompt: "?", timeout: nil) == .skipped(reason: "no more human input"))
    }

    @Test func anAnswerArrivingWhileWaitingIsDelivered() async {
        let (human, clock) = slotOnManualClock()
        async let answer = human.answer(prompt: "?", timeout: .seconds(5))
        // The turn's timer is asleep: the slot is waiting for a line, which now arrives late.
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(4))
        await human.receive("late but here")
        await human.receive("")
        #expect(await answer == .text("late but here", ideas: []))
    }

    @Test func aHumanParticipantsAnswersBecomeHumanTurnsAndIdeas() async throws {
        let backend = ScriptedBackend()
        let human = slot()
        for line in ["1. Cool pavements on school routes", "2. Open pools late at night", ""] { await human.receive(line) }
        await human.finishInput()
        let cast = Cast(members: [EngineFixtures.participant("ada", backend: backend), EngineFixtures.participant("human", backend: backend, role: .human)])
        let events = try await EngineFixtures.run(BrainwritingProtocol.self, cast: cast, rounds: 2, human: human)
        let humanTurns = events.turns.filter { $0.kind == .human }
        #expect(humanTurns.count == 1)
        #expect(events.ideas.filter { $0.author == "human" }.map(\.text) == ["Cool pavements on school routes", "Open pools late at night"])
        #expect(events.notes.contains { $0.text == "human skipped round 2 write: no more human input" })
    }

    @Test func anInjectIsRecordedAndReachesTheNextPhasesPrompts() async throws {
        let backend = ScriptedBackend()
        let human = slot()
        await human.finishInput()
        let cast = Cast(members: [EngineFixtures.participant("ada", backend: backend), EngineFixtures.participant("human", backend: backend, role: .human)])
        let path = EngineFixtures.temporaryTranscript()
        let writer = try TranscriptWriter(path: path)
        let injectingBackend = ScriptedBackend { request in
            // The inject is typed while round 1's parallel phase is running.
            if request.seed.map({ _ in true }) == true, !(request.messages.last?.content.contains("[i") ?? false) {
                await human.receive("/inject Heat is worst at night for the elderly")
            }
            return try await ScriptedBackend.numberedIdeas(request)
        }
        let agentCast = Cast(members: [EngineFixtures.participant("ada", backend: injectingBackend), cast.members[1]])
        let orchestrator = Orchestrator(header: EngineFixtures.header("brainwriting", rounds: 2, cast: agentCast), cast: agentCast, protocol: BrainwritingProtocol(), writer: writer, human: human)
        try await orchestrator.run()
        let events = try TranscriptReader(path: path).readAll().events
        let inject = try #require(events.turns.first { $0.phase == "inject:write" })
        #expect(inject.round == 2 && inject.kind == .human && inject.response == "Heat is worst at night for the elderly")
        let roundTwoPrompt = injectingBackend.requests.last?.messages.last?.content ?? ""
        #expect(roundTwoPrompt.contains("Contributions from the human expert in the room:\n- Heat is worst at night for the elderly"))
        #expect(!(injectingBackend.requests.first?.messages.last?.content.contains("Heat is worst") ?? true))
    }
}
