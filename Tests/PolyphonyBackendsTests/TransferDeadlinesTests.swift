import PolyphonyBackends
import PolyphonyTestSupport
import Testing

/// The rules the curl loop applies to every request's deadlines, at instants of a manual clock.
@Suite struct TransferDeadlinesTests {
    private let start = ManualClock.Instant(offset: .zero)

    private func at(_ milliseconds: Int) -> ManualClock.Instant { start.advanced(by: .milliseconds(milliseconds)) }

    @Test func theFirstByteDeadlineFiresAtItsInstantWhileTheHeadIsAwaited() {
        let deadlines = TransferDeadlines(timeouts: HTTPTimeouts(connect: 5, firstByte: 0.3, total: 30), start: start)
        #expect(deadlines.expired(at: at(299), waitingForHead: true) == nil)
        #expect(deadlines.expired(at: at(300), waitingForHead: true) == .timedOut(phase: "first byte", seconds: 0.3))
        #expect(deadlines.next(waitingForHead: true) == at(300))
    }

    @Test func theFirstByteDeadlineNoLongerAppliesOnceTheHeadHasCome() {
        let deadlines = TransferDeadlines(timeouts: HTTPTimeouts(connect: 5, firstByte: 0.3, total: 30), start: start)
        #expect(deadlines.expired(at: at(29_999), waitingForHead: false) == nil)
        #expect(deadlines.next(waitingForHead: false) == at(30_000))
        #expect(deadlines.expired(at: at(30_000), waitingForHead: false) == .timedOut(phase: "total", seconds: 30))
    }

    @Test func aTotalDeadlineBeforeTheFirstByteOneIsTheOneReported() {
        let deadlines = TransferDeadlines(timeouts: HTTPTimeouts(connect: 5, firstByte: 5, total: 0.5), start: start)
        #expect(deadlines.next(waitingForHead: true) == at(500))
        #expect(deadlines.expired(at: at(6_000), waitingForHead: true) == .timedOut(phase: "total", seconds: 0.5))
    }

    @Test func theFirstByteDeadlineWinsATie() {
        let deadlines = TransferDeadlines(timeouts: HTTPTimeouts(connect: 5, firstByte: 2, total: 2), start: start)
        #expect(deadlines.expired(at: at(2_000), waitingForHead: true) == .timedOut(phase: "first byte", seconds: 2))
    }

    @Test func deadlinesRoundUpToTheMillisecondSoTheLoopNeverWakesEarly() {
        let deadlines = TransferDeadlines(timeouts: HTTPTimeouts(connect: 5, firstByte: 0.0001, total: 30), start: start)
        #expect(deadlines.next(waitingForHead: true) == at(1))
    }
}
