import Foundation
import PolyphonyCore

/// A Swiss-system pairwise tournament: each round pairs ideas with similar points, a blind
/// judge compares each pair twice with the positions swapped, and a win counts only when both
/// orders agree (otherwise it is a draw, counted as position-inconsistent). Reports each
/// group's share of the top N.
public struct SwissTournament: Sendable {
    /// Rounds played; `nil` means ⌈log₂ n⌉ + 1.
    public var rounds: Int?
    /// How many top places the group shares are computed over; `nil` means min(10, n).
    public var top: Int?
    public var seed: UInt64
    public var concurrency: Int

    public init(rounds: Int? = nil, top: Int? = nil, seed: UInt64 = 1, concurrency: Int = 4) {
        self.rounds = rounds
        self.top = top
        self.seed = seed
        self.concurrency = max(1, concurrency)
    }

    static let instructions = """
        You compare two ideas proposed for the same brainstorming topic. You are not told who proposed \
        them. Decide which idea is better overall: more original, feasible, specific, impactful and \
        coherent. Answer with JSON only: {"better": "A"} or {"better": "B"}.
        """

    /// Plays the tournament over (topic, text) items.
    public func run(_ items: [(topic: String?, text: String)], groups: [String], backend: any ChatBackend, model: String? = nil) async throws -> TournamentResult {
        let n = items.count
        let roundCount = rounds ?? (n < 2 ? 0 : Int(ceil(log2(Double(n)))) + 1)
        var points = [Double](repeating: 0, count: n)
        var opponents = [[Int]](repeating: [], count: n)
        var generator = SplitMix64(seed: seed)
        var order = Array(0..<n)
        order.shuffle(using: &generator)
        let tiebreak = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        var comparisons = 0, inconsistent = 0

        for _ in 0..<roundCount {
            let ranked = (0..<n).sorted { points[$0] != points[$1] ? points[$0] > points[$1] : tiebreak[$0, default: 0] < tiebreak[$1, default: 0] }
            var pairs: [(Int, Int)] = []
            var unpaired = ranked
            while unpaired.count >= 2 {
                let first = unpaired.removeFirst()
                // The highest-ranked idea not met yet; a rematch only when nothing else is left.
                let partner = unpaired.firstIndex { !opponents[first].contains($0) } ?? 0
                pairs.append((first, unpaired.remove(at: partner)))
            }
            if let bye = unpaired.first { points[bye] += 1 }
            let outcomes = try await compare(pairs, items: items, backend: backend, model: model)
            for ((a, b), outcome) in zip(pairs, outcomes) {
                opponents[a].append(b)
                opponents[b].append(a)
                comparisons += 1
                switch outcome {
                case .first: points[a] += 1
                case .second: points[b] += 1
                case .inconsistent:
                    inconsistent += 1
                    points[a] += 0.5
                    points[b] += 0.5
                }
            }
        }
        // Standings: points, then Buchholz (opponents' points), then the seeded order.
        let buchholz = (0..<n).map { opponents[$0].reduce(0) { $0 + points[$1] } }
        let standing = (0..<n).sorted {
            if points[$0] != points[$1] { return points[$0] > points[$1] }
            if buchholz[$0] != buchholz[$1] { return buchholz[$0] > buchholz[$1] }
            return tiebreak[$0, default: 0] < tiebreak[$1, default: 0]
        }
        let topCount = min(n, top ?? min(10, n))
        let topSet = standing.prefix(topCount)
        let shares = ordered(Array(0..<n)) { groups.indices.contains($0) ? groups[$0] : "all" }.map { group, members in
            let inTop = topSet.filter { groups.indices.contains($0) && groups[$0] == group }.count
            return TournamentResult.GroupShare(
                group: group, inTop: inTop, share: topCount == 0 ? 0 : Double(inTop) / Double(topCount),
                shareOfIdeas: Double(members.count) / Double(max(1, n)))
        }
        return TournamentResult(
            rounds: roundCount, top: topCount, inconsistentComparisons: inconsistent, comparisons: comparisons,
            standings: standing.map { TournamentResult.Standing(index: $0, group: groups.indices.contains($0) ? groups[$0] : "all", points: points[$0]) },
            topShares: shares)
    }

    enum Outcome: Sendable { case first, second, inconsistent }

    private func compare(_ pairs: [(Int, Int)], items: [(topic: String?, text: String)], backend: any ChatBackend, model: String?) async throws -> [Outcome] {
        var outcomes = [Outcome](repeating: .inconsistent, count: pairs.count)
        try await withThrowingTaskGroup(of: (Int, Outcome).self) { group in
            var next = 0
            func launch() {
                guard next < pairs.count else { return }
                let index = next
                next += 1
                let (a, b) = pairs[index]
                let first = items[a], second = items[b]
                group.addTask {
                    // Ask in both orders; position bias shows up as disagreement.
                    let forward = try await Self.prefer(first, second, backend: backend, model: model)
                    let backward = try await Self.prefer(second, first, backend: backend, model: model)
                    switch (forward, backward) {
                    case (true?, false?): return (index, .first)
                    case (false?, true?): return (index, .second)
                    default: return (index, .inconsistent)
                    }
                }
            }
            for _ in 0..<min(concurrency, pairs.count) { launch() }
            while let (index, outcome) = try await group.next() {
                outcomes[index] = outcome
                launch()
            }
        }
        return outcomes
    }

    /// Whether the judge prefers idea A (shown first); `nil` when it never gave a clear verdict.
    static func prefer(_ a: (topic: String?, text: String), _ b: (topic: String?, text: String), backend: any ChatBackend, model: String?) async throws -> Bool? {
        let topic = a.topic ?? b.topic
        let request = ChatRequest(
            messages: [.system(instructions), .user((topic.map { "Topic: \($0)\n\n" } ?? "") + "Idea A:\n\(a.text)\n\nIdea B:\n\(b.text)")],
            model: model, temperature: 0, maxTokens: 20,
            jsonSchema: .object([
                "type": .string("object"),
                "properties": .object(["better": .object(["type": .string("string"), "enum": .array([.string("A"), .string("B")])])]),
                "required": .array([.string("better")]),
            ]))
        for _ in 0..<3 {
            let answer = try await backend.complete(request).text
            if let object = JSONExtraction.firstObject(in: answer), let better = object["better"]?.stringValue?.trimmingSpaces().uppercased() {
                if better == "A" { return true }
                if better == "B" { return false }
            }
        }
        return nil
    }
}
