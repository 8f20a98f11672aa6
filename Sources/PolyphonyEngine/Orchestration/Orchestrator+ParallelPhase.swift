import Foundation
import Logging
import PolyphonyCore
import PolyphonyTranscript

// A parallel phase: speakers work as children of a task group, results are recorded in speaker order.
extension Orchestrator {
    /// Runs the speakers of a parallel phase concurrently and records their results in
    /// speaker order.
    ///
    /// Results are recorded in speaker order as soon as every earlier speaker's result is in,
    /// not in completion order: idea ids and the next round's prompts then do not depend on
    /// which request happened to finish first, so reruns, the response cache and resume all
    /// see the same prompts. At most ``parallelWindow`` speakers are started ahead.
    ///
    /// When a speaker fails for good, no further speaker is started, the ones already working
    /// finish, and every result that arrived is recorded, in speaker order, before the error
    /// ends the session: `--resume` then asks only for what is missing. A cancel stops the
    /// working speakers and likewise keeps what had arrived.
    func runParallel(_ jobs: [(Participant, TurnBrief)], round: Int, phase: String) async throws -> [String: TurnOutcome] {
        var commit = InOrderCommit(jobs: jobs)
        var failure: (any Error)?
        await withTaskGroup(of: ChildResult.self) { group in
            var next = 0
            var running = 0
            while true {
                while failure == nil, !Task.isCancelled, running < Self.parallelWindow, next < jobs.count {
                    let (speaker, brief) = jobs[next]
                    next += 1
                    if let turn = resume.turn(round: round, phase: phase, speaker: speaker.id) {
                        if speaker.isHuman { await human?.skipRecordedAnswer(round: round, phase: phase) }
                        commit.recorded[speaker.id] = turn
                        continue
                    }
                    if speaker.isHuman, resume.skipped(round: round, phase: phase, speaker: speaker.id) {
                        await human?.skipRecordedAnswer(round: round, phase: phase)
                        commit.skipped.insert(speaker.id)
                        continue
                    }
                    let humanPrompt = speaker.isHuman ? prompts.humanPrompt(brief: brief, expertNotes: expertNotes) : ""
                    events?.yield(.turnStarted(speaker: speaker.id, round: round, phase: phase))
                    running += 1
                    if speaker.isHuman, let played = playedBack(speaker, round: round, phase: phase) {
                        group.addTask { .finished(played) }
                        continue
                    }
                    if speaker.isHuman, let human, await human.isScripted {
                        // A script answers at once; asking in speaker order keeps which turn
                        // takes which answer the same in every run.
                        let answer = await human.answer(prompt: Self.humanHeading(speaker) + humanPrompt, timeout: nil, round: round, phase: phase)
                        group.addTask { .finished(.human(speaker, answer)) }
                        continue
                    }
                    let request = makeRequest(for: speaker, brief: brief, round: round, phase: phase)
                    group.addTask { [human, limits, events, parser] in
                        do {
                            return .finished(try await Self.perform(
                                speaker: speaker, request: request, humanPrompt: humanPrompt, human: human, limits: limits,
                                round: round, phase: phase, stream: false, events: events, ideas: brief.ideas, parser: parser))
                        } catch {
                            return .failed(error)
                        }
                    }
                }
                if failure == nil {
                    do {
                        try await drain(&commit, round: round, phase: phase)
                    } catch {
                        failure = error
                        group.cancelAll()
                    }
                }
                guard let child = await group.next() else { break }
                running -= 1
                switch child {
                case .finished(let result): commit.finished[result.speaker.id] = result
                case .failed(let error):
                    // A cancelled child of a cancelled phase is no failure; any other error is.
                    if failure == nil, !(Task.isCancelled && Self.isCancellation(error)) {
                        failure = error
                        // A person answering in this phase would otherwise learn of it only after answering.
                        events?.yield(.notice("\(error); the session ends as failed once the others in this phase finish (your answer is kept)"))
                    }
                }
            }
        }
        if failure == nil, commit.cursor == jobs.count {
            return commit.outcomes
        }
        try await flush(&commit, round: round, phase: phase)
        if let failure { throw failure }
        throw CancellationError()
    }

    /// The reorder buffer of a parallel phase: results arrive in any order and are recorded
    /// in speaker order.
    struct InOrderCommit {
        let jobs: [(Participant, TurnBrief)]
        var recorded: [String: TurnRecord] = [:]
        /// Human seats whose turn an earlier run recorded as skipped.
        var skipped: Set<String> = []
        var finished: [String: TurnResult] = [:]
        var outcomes: [String: TurnOutcome] = [:]
        var cursor = 0
    }

    /// What a child of a parallel phase hands back; the parent decides what comes next.
    enum ChildResult: Sendable {
        case finished(TurnResult)
        case failed(any Error)
    }

    /// Records every result whose earlier speakers are all recorded.
    private func drain(_ commit: inout InOrderCommit, round: Int, phase: String) async throws {
        while commit.cursor < commit.jobs.count {
            let (speaker, brief) = commit.jobs[commit.cursor]
            if let turn = commit.recorded[speaker.id] {
                commit.outcomes[speaker.id] = try await adopt(turn, brief: brief)
            } else if commit.skipped.contains(speaker.id) {
                commit.outcomes[speaker.id] = TurnOutcome(speaker: speaker.id, text: "", ideas: [], skipped: true)
            } else if let result = commit.finished.removeValue(forKey: speaker.id) {
                commit.outcomes[speaker.id] = try await recordTurn(result, round: round, phase: phase, brief: brief)
            } else {
                return
            }
            commit.cursor += 1
        }
    }

    /// Records, in speaker order, every result that arrived, leaving gaps where a speaker's
    /// result is missing: the phase is ending early and nothing that arrived may be lost.
    private func flush(_ commit: inout InOrderCommit, round: Int, phase: String) async throws {
        var ended = false
        for (speaker, brief) in commit.jobs[commit.cursor...] {
            if let turn = commit.recorded[speaker.id] {
                commit.outcomes[speaker.id] = try await adopt(turn, brief: brief)
            } else if let result = commit.finished.removeValue(forKey: speaker.id) {
                do {
                    commit.outcomes[speaker.id] = try await recordTurn(result, round: round, phase: phase, brief: brief)
                } catch Stop.humanEnded {
                    ended = true
                }
            }
        }
        commit.cursor = commit.jobs.count
        if ended { throw Stop.humanEnded }
    }

    static func isCancellation(_ error: any Error) -> Bool {
        if error is CancellationError { return true }
        if let error = error as? PolyphonyError, error.isCancellation { return true }
        return false
    }
}
