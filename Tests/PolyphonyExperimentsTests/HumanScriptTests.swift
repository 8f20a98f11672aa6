@testable import PolyphonyExperiments
import Testing

@Suite struct HumanScriptTests {
    static let script = HumanScript(lines: [
        "/inject Older people are most at risk.",
        "1. Shade bus stops.",
        "2. Cool rooms.",
        "",
        "/skip",
        "",
        "One more idea",
        "",
    ])

    @Test func aFreshSessionGetsTheWholeScript() {
        #expect(Self.script.remaining(afterAnswers: 0, injectsRecorded: false) == Self.script.lines)
    }

    @Test func aResumedSessionSkipsTheAnswersItsRecordedTurnsUsedAndItsRecordedInjects() {
        #expect(Self.script.remaining(afterAnswers: 1, injectsRecorded: true) == ["/skip", "", "One more idea", ""])
        #expect(Self.script.remaining(afterAnswers: 2, injectsRecorded: true) == ["", "One more idea", ""])
    }

    @Test func anInjectNotYetRecordedIsFedAgain() {
        #expect(Self.script.remaining(afterAnswers: 3, injectsRecorded: false) == ["/inject Older people are most at risk."])
    }
}
