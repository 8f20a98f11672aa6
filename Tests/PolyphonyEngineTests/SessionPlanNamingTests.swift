import Foundation
import Testing
@testable import PolyphonyEngine

/// The names `polyphony run` gives a new session and its transcript.
@Suite struct SessionPlanNamingTests {
    /// 2025-03-01 12:34:56 UTC.
    private let started = Date(timeIntervalSince1970: 1_740_832_496)

    @Test func theDefaultTranscriptIsNamedAfterTheUTCStartAndTheTopicsFirstSixWords() {
        let path = SessionPlan.defaultTranscriptPath(topic: "How might a mid-sized City keep its streets cool?", startedAt: started)
        #expect(path == "transcripts/20250301-123456-how-might-a-mid-sized-city.jsonl")
    }

    @Test func aTopicWithoutWordsStillGetsAName() {
        #expect(SessionPlan.defaultTranscriptPath(topic: "?!", startedAt: started) == "transcripts/20250301-123456-session.jsonl")
    }

    @Test func theSlugIsCutAt48Characters() {
        let path = SessionPlan.defaultTranscriptPath(topic: String(repeating: "abcdefghij ", count: 6), startedAt: started)
        #expect(path == "transcripts/20250301-123456-\(String("abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdefghij".prefix(48))).jsonl")
    }

    @Test func sessionIDsStartedInTheSameSecondDiffer() {
        let first = SessionPlan.newSessionID(startedAt: started)
        let second = SessionPlan.newSessionID(startedAt: started)
        #expect(first.hasPrefix("20250301T123456-"))
        #expect(first.count == "20250301T123456-".count + 6)
        #expect(first != second)
    }
}
