import Foundation
import InMemoryLogging
import Logging
import PolyphonyScoring
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a ratings file's save tells its logger.
@Suite struct RatingsLogTests {
    static let rating = Rating(ideaId: "i1", source: "s", rater: "ana", dimension: "novelty", score: 7, time: "1970-01-01T00:00:00Z")
    static let waitingLine = "waiting for another save to this folder's ratings to finish"

    static func capturing() -> (Logger, InMemoryLogHandler) {
        var handler = InMemoryLogHandler()
        handler.logLevel = .trace
        let configured = handler
        return (Logger(label: "test", factory: { _ in configured }), configured)
    }

    @Test func aSaveThatWaitsForAnotherRatersSaveLogsTheWaitAndThenSaves() async throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (logger, handler) = Self.capturing()
        let log = RatingsLog(path: scratch.path + "/ratings.csv", logger: logger)
        // Another rater's save holds the folder's lock.
        let held = open(scratch.path, O_RDONLY)
        defer { close(held) }
        try #require(flock(held, LOCK_EX) == 0)
        // The save blocks in flock, so it runs on a thread of its own, not on the cooperative pool.
        let (saved, finished) = AsyncStream<Result<Void, any Error>>.makeStream()
        Thread {
            finished.yield(Result { try log.append([Self.rating]) })
            finished.finish()
        }.start()
        let clock = ContinuousClock()
        let start = clock.now
        while !handler.entries.contains(where: { $0.message.description == Self.waitingLine }), clock.now - start < .seconds(30) {
            try await Task.sleep(for: .milliseconds(10))
        }
        let waits = handler.entries.filter { $0.message.description == Self.waitingLine }
        #expect(waits.count == 1)
        #expect(waits.first?.level == .info)
        #expect(waits.first?.metadata["file"] == "\(scratch.path)/ratings.csv")
        #expect(try log.existing().isEmpty, "nothing is saved while the other save holds the lock")
        _ = flock(held, LOCK_UN)
        for await result in saved { try result.get() }
        #expect(try log.existing() == [Self.rating])
    }

    @Test func aSaveThatFindsTheLockFreeLogsNothing() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let (logger, handler) = Self.capturing()
        let log = RatingsLog(path: scratch.path + "/ratings.csv", logger: logger)
        try log.append([Self.rating])
        #expect(handler.entries.isEmpty)
        #expect(try log.existing() == [Self.rating])
    }
}
