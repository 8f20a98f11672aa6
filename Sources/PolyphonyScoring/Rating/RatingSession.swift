import Foundation
import PolyphonyCore

/// A person rating ideas blind, one idea and one rubric dimension at a time, with every
/// finished idea saved before the next is shown.
///
/// The rater sees the topic and the idea's text, never its author, group, source or the model
/// behind it. Ideas come in an order shuffled by the rater's name, so ideas of one session do
/// not arrive together. Keys, each followed by Enter: a number rates, `s` skips the idea, `b`
/// goes back a dimension or to the previous idea, `q` quits.
///
/// A skip is saved like a rating, as rows with an empty score (one per dimension the rater has
/// not scored), so the ratings file shows what was skipped and agreement leaves it out. Ideas
/// the rater has rated or skipped on every dimension are not shown again, so running the same
/// command after a quit or a crash resumes; going back to a skipped idea and rating it
/// replaces the skip, and ``retrySkipped`` offers every skipped idea again.
package struct RatingSession: Sendable {
    /// What happened in one run.
    package struct Outcome: Sendable, Hashable {
        /// Ideas rated (or re-rated) in this run.
        package var rated: Int
        /// Ideas skipped in this run (and not rated after going back).
        package var skipped: Int
        /// Ideas this rater has neither rated nor skipped.
        package var remaining: Int
        /// Ideas rated or skipped in earlier runs, so not shown in this one.
        package var ratedBefore: Int
        /// Of ``ratedBefore``, the ideas that were skipped.
        package var skippedBefore: Int = 0
        /// Whether the rater quit (or input ended) before the end.
        package var quit: Bool
    }

    package var rater: String
    package var rubric: Rubric
    package var ideas: [InputIdea]
    package var log: RatingsLog
    /// The clock stamped on each rating.
    package var now: @Sendable () -> Date
    /// Offer again the ideas this rater skipped before (`rate --retry-skipped`).
    package var retrySkipped = false

    /// - Parameters:
    ///   - rater: The rater's name, written in every row.
    ///   - rubric: Its dimensions are asked in order, on its scale.
    ///   - ideas: Every idea to rate, in input order.
    ///   - log: The ratings file.
    package init(rater: String, rubric: Rubric, ideas: [InputIdea], log: RatingsLog, now: @escaping @Sendable () -> Date = Date.init) {
        self.rater = rater
        self.rubric = rubric
        self.ideas = ideas
        self.log = log
        self.now = now
    }

    /// Refuses ideas that a ratings file could not tell apart: two with the same source and
    /// id (e.g. idea lists of the same file name in two folders).
    /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` naming the second one.
    package static func refuseAmbiguous(_ ideas: [InputIdea]) throws {
        var seen: Set<IdeaKey> = []
        for idea in ideas where !seen.insert(IdeaKey(source: idea.source, id: idea.id)).inserted {
            throw PolyphonyError.invalidInput(
                "two ideas have source '\(idea.source)' and id '\(idea.id)', so their ratings could not be told apart; rename one of the idea lists",
                file: idea.source, line: idea.line)
        }
    }

    /// The keys, as shown on screen and in `--help`.
    package var keysHelp: String {
        "Keys (then Enter): \(rubric.scale.min)–\(rubric.scale.max) rates, s skips the idea, b goes back, q quits (what you rated is saved)."
    }

    /// The ideas this rater has not rated (or, unless ``retrySkipped``, skipped) on every
    /// dimension, in the rater's shuffled order.
    /// - Parameter existing: The ratings already in the file.
    package func pending(given existing: [Rating]) -> [InputIdea] {
        let wanted = Set(rubric.dimensionIDs)
        var done: [IdeaKey: Set<String>] = [:]
        for rating in existing where rating.rater == rater && (!rating.isSkip || !retrySkipped) {
            done[rating.ideaKey, default: []].insert(rating.dimension)
        }
        var seen: Set<IdeaKey> = []
        var pending = ideas.filter { idea in
            let key = IdeaKey(source: idea.source, id: idea.id)
            return seen.insert(key).inserted && !(done[key].map(wanted.isSubset) ?? false)
        }
        var generator = SplitMix64(seed: Self.seed(rater))
        pending.shuffle(using: &generator)
        return pending
    }

    /// Runs the session until every idea is rated, the rater quits, or input ends.
    /// - Parameters:
    ///   - input: The next line the rater typed, `nil` at the end of input.
    ///   - output: Writes text to the rater's screen (prompts end without a newline).
    /// - Throws: ``PolyphonyError`` when the ratings file is malformed or cannot be written;
    ///   every idea finished before that is already saved.
    package func run(input: () -> String?, output: (String) -> Void) throws -> Outcome {
        let existing = try log.existing()
        let queue = pending(given: existing)
        let uniqueIdeas = Set(ideas.map { IdeaKey(source: $0.source, id: $0.id) })
        let queued = Set(queue.map { IdeaKey(source: $0.source, id: $0.id) })
        // Which dimensions of which idea this rater has a score for (a skip is not one).
        var scored: [IdeaKey: Set<String>] = [:]
        var skippedKeys: Set<IdeaKey> = []
        for rating in RatingsFile.latest(existing) where rating.rater == rater {
            if rating.isSkip { skippedKeys.insert(rating.ideaKey) } else { scored[rating.ideaKey, default: []].insert(rating.dimension) }
        }
        var outcome = Outcome(rated: 0, skipped: 0, remaining: queue.count, ratedBefore: uniqueIdeas.count - queue.count, quit: false)
        outcome.skippedBefore = skippedKeys.intersection(uniqueIdeas).subtracting(queued).count
        let dimensions = rubric.dimensions
        let before = outcome.skippedBefore > 0
            ? "\(outcome.ratedBefore - outcome.skippedBefore) rated and \(outcome.skippedBefore) skipped before"
            : "\(outcome.ratedBefore) rated before"
        output("Rating \(queue.count) idea\(queue.count == 1 ? "" : "s") as \(rater)"
            + (outcome.ratedBefore > 0 ? " (\(before), not shown again)" : "") + ".\n")
        output(keysHelp + "\n")
        var finished: Set<Int> = []
        var skippedNow: Set<Int> = []
        var position = 0
        var dimension = 0
        var scores = [Int](repeating: 0, count: dimensions.count)
        var shown = -1
        while position < queue.count {
            let idea = queue[position]
            if shown != position {
                output("\n── Idea \(position + 1) of \(queue.count) ──\n")
                if let prompt = idea.prompt, !prompt.isEmpty { output("Topic: \(prompt)\n") }
                output("\(idea.text)\n")
                shown = position
            }
            let current = dimensions[dimension]
            output("\(current.id) — \(current.question) [\(rubric.scale.min)–\(rubric.scale.max), s, b, q]: ")
            guard let line = input() else {
                output("\n")
                outcome.quit = true
                break
            }
            let answer = line.trimmingCharacters(in: .whitespaces).lowercased()
            switch answer {
            case "q":
                outcome.quit = true
            case "s":
                // An idea rated in this run keeps its scores; a skip is saved once.
                if !finished.contains(position), skippedNow.insert(position).inserted {
                    let key = IdeaKey(source: idea.source, id: idea.id)
                    let time = Self.timestamp(now())
                    try log.append(dimensions.filter { !(scored[key]?.contains($0.id) ?? false) }.map { dimension in
                        Rating(ideaId: idea.id, source: idea.source, rater: rater, dimension: dimension.id, score: nil, time: time)
                    })
                    outcome.skipped += 1
                    outcome.remaining -= 1
                    output("skipped.\n")
                }
                position += 1
                dimension = 0
            case "b":
                if dimension > 0 {
                    dimension -= 1
                } else if position > 0 {
                    position -= 1
                    dimension = 0
                    output("(back to the previous idea; new scores replace the old ones)\n")
                } else {
                    output("(this is the first idea)\n")
                }
            default:
                guard let score = Int(answer), (rubric.scale.min...rubric.scale.max).contains(score) else {
                    output("Type a whole number from \(rubric.scale.min) to \(rubric.scale.max), or s, b or q.\n")
                    continue
                }
                scores[dimension] = score
                dimension += 1
                if dimension == dimensions.count {
                    let time = Self.timestamp(now())
                    try log.append(dimensions.indices.map { index in
                        Rating(ideaId: idea.id, source: idea.source, rater: rater, dimension: dimensions[index].id,
                               score: Double(scores[index]), time: time)
                    })
                    if finished.insert(position).inserted {
                        outcome.rated += 1
                        if skippedNow.remove(position) != nil { outcome.skipped -= 1 } else { outcome.remaining -= 1 }
                    }
                    output("saved.\n")
                    position += 1
                    dimension = 0
                }
            }
            if outcome.quit { break }
        }
        let skippedTotal = outcome.skipped + outcome.skippedBefore
        if outcome.remaining > 0 {
            output("\n\(outcome.remaining) idea\(outcome.remaining == 1 ? "" : "s") left; run the same command again to continue.\n")
        } else if skippedTotal > 0 {
            output("\nEvery idea is rated or skipped (\(skippedTotal) skipped; add --retry-skipped to be offered them again). Thank you.\n")
        } else {
            output("\nEvery idea is rated. Thank you.\n")
        }
        return outcome
    }

    /// ISO 8601 UTC to the second.
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
                      parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }

    /// A stable seed from the rater's name (FNV-1a; `Hasher` differs between processes).
    static func seed(_ name: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
