import Foundation
import PolyphonyCore
import Testing
@testable import PolyphonyEngine

/// A scripted human reads the script in session order, never ahead of the session.
@Suite struct HumanScriptTests {
    private func slot(_ lines: [String]) -> HumanSlot { HumanSlot(script: HumanScript(lines: lines), display: { _ in }) }

    @Test func anInjectAfterAnAnswerWaitsForThePhaseAfterThatTurn() async {
        let human = slot(["/inject Before anything", "First answer", "", "/inject After the first turn", "Second answer", ""])
        #expect(await human.injects(dueAt: 1, phase: "write") == ["Before anything"])
        #expect(await human.injects(dueAt: 1, phase: "write") == [])
        #expect(await human.answer(prompt: "?", timeout: nil, round: 1, phase: "write") == .text("First answer", ideas: []))
        #expect(await human.injects(dueAt: 2, phase: "write") == ["After the first turn"])
        #expect(await human.answer(prompt: "?", timeout: nil, round: 2, phase: "write") == .text("Second answer", ideas: []))
        #expect(await human.answer(prompt: "?", timeout: nil, round: 3, phase: "write") == .skipped(reason: "no more human input"))
    }

    @Test func roundAndPhaseMarkersPlaceInjectsExplicitly() async {
        let human = slot(["@round 2", "@phase critique", "/inject Mind the night-time heat", "/inject Ask the elderly", "Answer", ""])
        #expect(await human.injects(dueAt: 1, phase: "propose") == [])
        #expect(await human.injects(dueAt: 1, phase: "critique") == [])
        #expect(await human.injects(dueAt: 2, phase: "revise") == [])
        #expect(await human.injects(dueAt: 2, phase: "critique") == ["Mind the night-time heat", "Ask the elderly"])
    }

    @Test func aMarkedAnswerSkipsTheTurnsBeforeItsPlace() async {
        let human = slot(["@round 2", "Late answer", ""])
        #expect(await human.answer(prompt: "?", timeout: nil, round: 1, phase: "write") == .skipped(reason: "the script's next answer is for round 2"))
        #expect(await human.answer(prompt: "?", timeout: nil, round: 2, phase: "write") == .text("Late answer", ideas: []))
    }

    @Test func skippingARecordedAnswerMovesPastExactlyThatAnswer() async {
        let human = slot(["First", "", "/inject Noted", "/skip", "Third", ""])
        await human.skipRecordedAnswer(round: 1, phase: "discuss")
        #expect(await human.injects(dueAt: 1, phase: "discuss") == ["Noted"])
        await human.skipRecordedAnswer(round: 2, phase: "discuss")
        #expect(await human.answer(prompt: "?", timeout: nil, round: 3, phase: "discuss") == .text("Third", ideas: []))
    }

    @Test func skipNotesAreRecognisedOnResume() {
        let text = ResumeState.skipNote(speaker: "human", round: 2, phase: "write", reason: "the human skipped this turn")
        #expect(ResumeState.parseSkipNote(text)?.speaker == "human")
        #expect(ResumeState.parseSkipNote(text)?.round == 2)
        #expect(ResumeState.parseSkipNote(text)?.phase == "write")
        #expect(ResumeState.parseSkipNote("human ended the session with /end") == nil)
    }
}
