import Foundation
import PolyphonyCore

extension DiversityAnalyzer {
    /// How alike participants' idea sets are: every pair's mean similarity, the mean within a
    /// participant, and a random-pair floor from author shuffles seeded by ``seed``.
    func homogeneity(_ context: Context) -> Homogeneity {
        let participants = ordered(Array(context.ideas.indices)) { context.ideas[$0].participantKey }
        var labels = [Int](repeating: 0, count: context.ideas.count)
        for (index, participant) in participants.enumerated() {
            for row in participant.members { labels[row] = index }
        }
        let d = context.matrix.dimension
        let counts = participants.map(\.members.count)

        let p = participants.count
        // Per-participant sums of unit vectors, flat (participant-major).
        func sums(_ labels: [Int]) -> [Double] {
            var sums = [Double](repeating: 0, count: p * d)
            context.matrix.values.withUnsafeBufferPointer { e in
                sums.withUnsafeMutableBufferPointer { s in
                    for (row, owner) in labels.enumerated() {
                        let target = s.baseAddress! + owner * d, source = e.baseAddress! + row * d
                        for k in 0..<d { target[k] += Double(source[k]) }
                    }
                }
            }
            return sums
        }
        // Up to `listedPairLimit` participants every pair is listed and averaged as such;
        // beyond, the mean comes from one identity in O(p·d) and no pairs are listed.
        let listsPairs = p <= Self.listedPairLimit
        func between(_ sums: [Double]) -> (pairs: [(Int, Int, Double)], mean: Double?) {
            guard listsPairs else { return ([], Self.meanPairDot(sums, counts: counts, dimension: d)) }
            var pairs: [(Int, Int, Double)] = []
            sums.withUnsafeBufferPointer { s in
                for i in 0..<p {
                    for j in (i + 1)..<max(i + 1, p) {
                        let dot = VectorKernels.dot(s.baseAddress! + i * d, s.baseAddress! + j * d, count: d)
                        pairs.append((i, j, dot / Double(counts[i] * counts[j])))
                    }
                }
            }
            return (pairs, pairs.isEmpty ? nil : pairs.reduce(0) { $0 + $1.2 } / Double(pairs.count))
        }

        let observed = sums(labels)
        let (pairs, mean) = between(observed)
        var within: [Double] = []
        for participant in participants where participant.members.count >= 2 {
            within.append(PairwiseSimilarity.meanSimilarity(context.matrix.subset(participant.members)) ?? 0)
        }
        var floors: [Double] = []
        if participants.count >= 2 {
            var generator = SplitMix64(seed: seed)
            var shuffled = labels
            for _ in 0..<floorPermutations {
                shuffled.shuffle(using: &generator)
                if let value = between(sums(shuffled)).mean { floors.append(value) }
            }
        }
        let floorMean = floors.isEmpty ? nil : floors.reduce(0, +) / Double(floors.count)
        let floorSpread = floorMean.map { m in (floors.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(floors.count)).squareRoot() }
        return Homogeneity(
            pairs: pairs.map { i, j, similarity in
                let a = participants[i].members[0], b = participants[j].members[0]
                return Homogeneity.Pair(
                    first: participants[i].key, second: participants[j].key,
                    sameGroup: context.ideas[a].group == context.ideas[b].group, similarity: similarity)
            },
            pairsListed: listsPairs ? nil : false,
            meanBetweenParticipants: mean,
            meanWithinParticipants: within.isEmpty ? nil : within.reduce(0, +) / Double(within.count),
            randomPairFloor: floorMean, randomPairFloorSpread: floorSpread, permutations: floors.count)
    }

    /// Participants up to which the report lists every pair (19,900 pairs); a study with one
    /// author per row would otherwise list billions.
    static let listedPairLimit = 200

    /// The mean over pairs i < j of (sᵢ/cᵢ)·(sⱼ/cⱼ), from Σᵢ<ⱼ uᵢ·uⱼ = (|Σ uᵢ|² − Σ |uᵢ|²) / 2.
    static func meanPairDot(_ sums: [Double], counts: [Int], dimension d: Int) -> Double? {
        let p = counts.count
        guard p >= 2 else { return nil }
        var total = [Double](repeating: 0, count: d)
        var squares = 0.0
        for i in 0..<p {
            let scale = 1 / Double(counts[i])
            var norm = 0.0
            for k in 0..<d {
                let value = sums[i * d + k] * scale
                total[k] += value
                norm += value * value
            }
            squares += norm
        }
        let all = total.reduce(0) { $0 + $1 * $1 }
        return (all - squares) / 2 / (Double(p) * Double(p - 1) / 2)
    }
}
