/// The adjusted Rand index (Hubert & Arabie 1985) between two partitions of the same items:
/// 1 for identical partitions, about 0 for chance agreement, negative below chance.
package enum AdjustedRandIndex {
    /// The ARI of two labelings of the same items, given in the same order.
    ///
    /// When both partitions are trivial in the same way (every item alone, or all together)
    /// the formula is 0/0; the index is then 1 if the partitions agree and 0 otherwise.
    /// - Returns: `nil` when the label lists differ in length or are empty.
    package static func compute<A: Hashable, B: Hashable>(_ a: [A], _ b: [B]) -> Double? {
        guard a.count == b.count, !a.isEmpty else { return nil }
        var codesA: [A: Int] = [:], codesB: [B: Int] = [:]
        var joint: [Int: Int] = [:], rows: [Int: Int] = [:], columns: [Int: Int] = [:]
        for (x, y) in zip(a, b) {
            let i = codesA[x] ?? codesA.count
            codesA[x] = i
            let j = codesB[y] ?? codesB.count
            codesB[y] = j
            joint[i * a.count + j, default: 0] += 1
            rows[i, default: 0] += 1
            columns[j, default: 0] += 1
        }
        func pairs(_ count: Int) -> Double { Double(count) * Double(count - 1) / 2 }
        let index = joint.values.reduce(0) { $0 + pairs($1) }
        let rowPairs = rows.values.reduce(0) { $0 + pairs($1) }
        let columnPairs = columns.values.reduce(0) { $0 + pairs($1) }
        let expected = rowPairs * columnPairs / pairs(a.count)
        let maximum = (rowPairs + columnPairs) / 2
        guard maximum - expected != 0 else {
            return rows.count == joint.count && columns.count == joint.count ? 1 : 0
        }
        return (index - expected) / (maximum - expected)
    }
}
