import Foundation
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import PolyphonyTranscript
import Synchronization
import Testing
@testable import PolyphonyEngine

/// What a parallel phase keeps when one speaker fails for good or the session is cancelled.
@Suite struct ParallelPhaseFailureTests {
    /// A backend whose every request fails the way a server failing past its retries does.
    static let failing = ScriptedBackend(name: "broken") { _ in
        throw PolyphonyError.backend("internal error (gave up after 3 attempts)", backend: "broken", status: 500, isRetryable: true)
    }

    /// Counts the prompts a human slot shows, so a test can tell whether the human was asked.
    final class PromptCount: Sendable {
        let count = Mutex(0)
        var display: @Sendable (String) -> Void { { _ in self.count.withLock { $0 += 1 } } }
        var value: Int { count.withLock { $0 } }
    }

    @Test func aSpeakerThatFailsLeavesEveryResultThatArrivedRecordedInSpeakerOrder() async throws {
        let good = ScriptedBackend()
        let prompts = PromptCount()
        let human = HumanSlot(script: HumanScript(lines: ["1. Shade sails over bus stops", ""]), display: prompts.display)
        // The failing speaker comes first, so every other result waits behind it in the reorder buffer.
        let cast = Cast(members: [
            EngineFixtures.participant("ada", backend: Self.failing),
            EngineFixtures.participant("human", backend: good, role: .human),
            EngineFixtures.participant("bo", backend: good),
        ])
        let path = EngineFixtures.temporaryTranscript()
        let events = try await EngineFixtures.run(BrainwritingProtocol.self, cast: cast, rounds: 1, human: human, path: path)
        #expect(events.end?.status == .failed)
        #expect(events.end?.reason?.contains("gave up after 3 attempts") == true)
        #expect(events.turns.map(\.speaker) == ["human", "bo"])
        #expect(events.ideas.filter { $0.author == "human" }.map(\.text) == ["Shade sails over bus stops"])
        #expect(events.end?.totals.turns == 2)
        #expect(prompts.value == 1)

        // Resumed against a healed backend: only the failed speaker is asked, the human is not.
        let healed = ScriptedBackend()
        let state = ResumeState(events: events)
        let header = try #require(state.header)
        let resumedCast = Cast(members: [
            EngineFixtures.participant("ada", backend: healed),
            EngineFixtures.participant("human", backend: healed, role: .human),
            EngineFixtures.participant("bo", backend: healed),
        ])
        let resumedPrompts = PromptCount()
        let resumedHuman = HumanSlot(script: HumanScript(lines: ["1. Shade sails over bus stops", ""]), display: resumedPrompts.display)
        let orchestrator = Orchestrator(header: header, cast: resumedCast, protocol: BrainwritingProtocol(), writer: try TranscriptWriter(path: path), human: resumedHuman, resume: state)
        let end = try await orchestrator.run()
        #expect(end.status == .completed)
        #expect(healed.requests.count == 1)
        #expect(resumedPrompts.value == 0)
        let final = try TranscriptReader(path: path).readAll().events
        #expect(final.turns.map(\.speaker).sorted() == ["ada", "bo", "human"])
        #expect(Set(final.turns.map(\.index)).count == 3)
        #expect(final.end?.totals.turns == 3)
    }

    @Test func afterACancelNoNewRequestReachesTheServer() async throws {
        // The server cancels the session while it answers its fifth prompt and holds that
        // answer until the session has ended: with one request in flight at a time, any
        // request the server receives after the cancel was started after it.
        let session = Mutex<Task<EndRecord, any Error>?>(nil)
        let ended = Mutex(false)
        let seen = Mutex(0)
        let requestsAtCancel = Mutex(0)
        let box = Mutex<FakeLLMServer?>(nil)
        let server = try FakeLLMServer { prompt in
            let count = seen.withLock { count in
                count += 1
                return count
            }
            if count == 5 {
                while session.withLock({ $0 }) == nil { Thread.sleep(forTimeInterval: 0.001) }
                requestsAtCancel.withLock { $0 = box.withLock { $0?.requestCount ?? 0 } }
                session.withLock { $0?.cancel() }
                let deadline = Date().addingTimeInterval(30)
                while !ended.withLock({ $0 }), Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
            }
            return FakeLLMServer.numberedIdeas(prompt)
        }
        defer { server.stop() }
        box.withLock { $0 = server }
        let backend = try makeBackend(server.configuration(name: "fake", kind: .openai, maxConcurrency: 1), environment: [:], cacheDirectory: nil)
        let cast = Cast(members: (0..<40).map { EngineFixtures.participant("agent\($0)", backend: backend) })
        let path = EngineFixtures.temporaryTranscript()
        let orchestrator = Orchestrator(
            header: EngineFixtures.header("brainwriting", rounds: 2, cast: cast), cast: cast, protocol: BrainwritingProtocol(),
            writer: try TranscriptWriter(path: path))
        let task = Task { try await orchestrator.run() }
        session.withLock { $0 = task }
        let end = try await task.value
        let requests = server.requestCount
        ended.withLock { $0 = true }
        #expect(end.status == .interrupted)
        // The server counts a request once it has read it; one the client had sent just
        // before the cancel may still be read after it (seen under load), never more.
        #expect(requests <= requestsAtCancel.withLock { $0 } + 1)
        #expect(requests <= 6)
        // What arrived before the cancel is kept: the four turns answered ahead of it.
        let events = try TranscriptReader(path: path).readAll().events
        #expect(events.turns.count >= 4)
    }

    @Test func aCancelKeepsTheAnswersThatHadArrivedBehindASlowerSpeaker() async throws {
        // The first speaker cancels the session once the three after it have answered, so
        // their results wait in the reorder buffer when the cancel comes.
        let session = Mutex<Task<EndRecord, any Error>?>(nil)
        let (arrivals, arrived) = AsyncStream<Void>.makeStream()
        let backend = ScriptedBackend { request in
            if request.messages.first?.content.hasPrefix("You are Slow") == true {
                var count = 0
                for await _ in arrivals {
                    count += 1
                    if count == 3 { break }
                }
                // The test stores the session's task right after starting it; wait for that.
                while session.withLock({ $0 }) == nil { await Task.yield() }
                session.withLock { $0?.cancel() }
                try await Task.sleep(for: .seconds(600))
                return "never"
            }
            defer { arrived.yield() }
            return try await ScriptedBackend.numberedIdeas(request)
        }
        let cast = Cast(members: ["slow", "ada", "bo", "cy"].map { EngineFixtures.participant($0, backend: backend) })
        let path = EngineFixtures.temporaryTranscript()
        let orchestrator = Orchestrator(
            header: EngineFixtures.header("brainwriting", rounds: 1, cast: cast), cast: cast, protocol: BrainwritingProtocol(),
            writer: try TranscriptWriter(path: path))
        let task = Task { try await orchestrator.run() }
        session.withLock { $0 = task }
        let end = try await task.value
        #expect(end.status == .interrupted)
        let events = try TranscriptReader(path: path).readAll().events
        #expect(events.turns.map(\.speaker) == ["ada", "bo", "cy"])
        #expect(events.ideas.count == 9)
    }

    @Test func theDiscussionReadsOnlyTheNewestTurnsYetEqualsClippingTheWholeHistory() {
        let cast = Cast(members: ["ada", "bo"].map { EngineFixtures.participant($0, backend: ScriptedBackend()) })
        for count in [0, 1, 3, 40, 400] {
            var turns: [TurnRecord] = []
            var ideas: [IdeaRecordView] = []
            for index in 0..<count {
                let speaker = index % 2 == 0 ? "ada" : "bo"
                let phase = index % 7 == 3 ? "inject:discuss" : "discuss"
                turns.append(TurnRecord(index: index, round: index / 2 + 1, phase: phase, speaker: speaker, kind: .agent, response: "answer \(index) " + String(repeating: "é", count: index % 50)))
                if index % 3 != 0 {
                    ideas.append(IdeaRecordView(id: "i\(ideas.count + 1)", author: speaker, round: index / 2 + 1, text: "idea of turn \(index)", turn: index))
                }
            }
            let names = ["ada": "Ada", "bo": "Bo"]
            let grouped = Dictionary(grouping: ideas, by: { $0.turn ?? -1 })
            // The whole history, rendered and clipped as before.
            let blocks = turns.filter { !$0.phase.hasPrefix("inject:") }.map { turn in
                let own = grouped[turn.index] ?? []
                let body = own.isEmpty ? turn.response.trimmingCharacters(in: .whitespacesAndNewlines) : own.map { "[\($0.id)] \($0.text)" }.joined(separator: "\n")
                return "\(names[turn.speaker] ?? turn.speaker) (round \(turn.round), \(turn.phase)):\n\(body)"
            }
            #expect(Discussion.transcript(turns: turns, ideas: ideas, cast: cast) == Discussion.clip(blocks.joined(separator: "\n\n")))
            #expect(Discussion.pool(ideas) == Discussion.clip(ideas.map { "[\($0.id)] \($0.text)" }.joined(separator: "\n")))
        }
    }
}
