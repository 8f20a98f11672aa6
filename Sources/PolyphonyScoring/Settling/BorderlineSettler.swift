import Foundation
import PolyphonyCore

/// Near-duplicate clustering in which pairs whose similarity falls in a borderline band are
/// settled by a ``SameIdeaJudge`` ("same idea or not?") instead of by the threshold alone.
///
/// Above the band two ideas are the same; below it they differ; inside it the judge decides.
/// Verdicts are cached by text pair so re-clustering subsets asks nothing twice, and a query
/// budget bounds cost: once spent, borderline pairs fall back to the plain threshold and are
/// counted as unresolved.
public actor BorderlineSettler {
    public nonisolated let judge: any SameIdeaJudge
    public nonisolated let lower: Float
    public nonisolated let upper: Float
    /// The cut used when the judge cannot be asked.
    public nonisolated let fallbackThreshold: Float
    public nonisolated let maxQueries: Int
    private var verdicts: [PairKey: Bool] = [:]
    private var decisions: [Settlement.Decision] = []
    private var unresolved = 0

    private struct PairKey: Hashable {
        var first: String
        var second: String
        init(_ a: String, _ b: String) {
            (first, second) = a <= b ? (a, b) : (b, a)
        }
    }

    /// - Parameters:
    ///   - lower: Similarities below this are different ideas without asking.
    ///   - upper: Similarities at or above this are the same idea without asking.
    ///   - fallbackThreshold: Used for borderline pairs once `maxQueries` questions were asked.
    /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` unless 0 ≤ lower < upper ≤ 1.
    public init(judge: any SameIdeaJudge, lower: Float, upper: Float, fallbackThreshold: Float, maxQueries: Int = 200) throws {
        guard lower >= -1, lower < upper, upper <= 1 else {
            throw PolyphonyError.invalidInput("the settling band needs lower < upper within [-1, 1], got \(lower)…\(upper)")
        }
        self.judge = judge
        self.lower = lower
        self.upper = upper
        self.fallbackThreshold = fallbackThreshold
        self.maxQueries = max(0, maxQueries)
    }

    /// What was asked so far.
    public func settlement() -> Settlement {
        Settlement(
            lower: Double(shortestDecimal: lower), upper: Double(shortestDecimal: upper), queries: decisions.count, unresolved: unresolved,
            decisions: decisions)
    }

    /// Clusters the rows of a unit-normalised matrix, visiting them in order: each row joins
    /// the most similar representative at or above ``upper``; failing that, the borderline
    /// representatives in order of similarity, the first the judge calls the same; failing
    /// that it founds a cluster.
    /// - Parameter texts: The idea text of each row, shown to the judge.
    public func cluster(_ matrix: EmbeddingMatrix, texts: [String]) async -> NearDuplicateClustering.Result {
        var representatives: [Int] = []
        var assignments = [Int](repeating: -1, count: matrix.rows)
        var similarity = [Float](repeating: 1, count: matrix.rows)
        for row in 0..<matrix.rows {
            var sure: (Float, Int) = (-.infinity, -1)
            var borderline: [(Float, Int)] = []
            for (cluster, representative) in representatives.enumerated() {
                let cosine = matrix.dot(row, representative)
                if cosine >= upper, cosine > sure.0 { sure = (cosine, cluster) }
                if cosine >= lower, cosine < upper { borderline.append((cosine, cluster)) }
            }
            var chosen = sure.1 >= 0 ? sure : nil
            if chosen == nil {
                for candidate in borderline.sorted(by: { $0.0 > $1.0 }) {
                    let same = await decide(texts[row], texts[representatives[candidate.1]], similarity: candidate.0)
                    if same { chosen = candidate; break }
                }
            }
            if let chosen {
                assignments[row] = chosen.1
                similarity[row] = chosen.0
            } else {
                assignments[row] = representatives.count
                representatives.append(row)
            }
        }
        return NearDuplicateClustering.Result(assignments: assignments, representatives: representatives, similarityToRepresentative: similarity)
    }

    private func decide(_ first: String, _ second: String, similarity: Float) async -> Bool {
        let key = PairKey(first, second)
        if let known = verdicts[key] { return known }
        guard decisions.count < maxQueries else {
            unresolved += 1
            return similarity >= fallbackThreshold
        }
        do {
            let same = try await judge.isSameIdea(first, second)
            verdicts[key] = same
            decisions.append(Settlement.Decision(first: first, second: second, similarity: Double(shortestDecimal: similarity), same: same))
            return same
        } catch {
            unresolved += 1
            return similarity >= fallbackThreshold
        }
    }
}
