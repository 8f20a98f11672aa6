// Grouping of row indices shared by the analyzer, the judge and threshold calibration.

/// Sorts round groups by round number, ideas without a round last.
func byRoundNumber(_ groups: [(key: Int?, members: [Int])]) -> [(key: Int?, members: [Int])] {
    groups.sorted { lhs, rhs in
        switch (lhs.key, rhs.key) {
        case let (a?, b?): a < b
        case (_?, nil): true
        default: false
        }
    }
}

/// Groups `rows` by `key`, keeping keys and members in order of first appearance.
func ordered<Key: Hashable>(_ rows: [Int], by key: (Int) -> Key) -> [(key: Key, members: [Int])] {
    var order: [Key] = []
    var members: [Key: [Int]] = [:]
    for row in rows {
        let value = key(row)
        if members[value] == nil { order.append(value) }
        members[value, default: []].append(row)
    }
    return order.map { ($0, members[$0] ?? []) }
}
