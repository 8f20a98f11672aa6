/// distinct-n (Li et al. 2016, "A Diversity-Promoting Objective Function for Neural
/// Conversation Models"): the number of distinct word n-grams divided by the total number of
/// n-grams, pooled over a set of texts. Lexical and model-free, so it is always available.
public enum DistinctN {
    /// distinct-`n` over `texts`; n-grams never span two texts. Words are lower-cased runs of
    /// letters and digits.
    /// - Returns: `nil` when the texts hold no n-gram of that length.
    public static func compute(_ texts: [String], n: Int) -> Double? {
        compute(tokenized: texts.map(LexicalEmbedder.words), n: n)
    }

    /// distinct-`n` over texts already split into words.
    public static func compute(tokenized: [[String]], n: Int) -> Double? {
        guard n >= 1 else { return nil }
        // Words become dense ids so an n-gram is a short integer array, cheap to hash.
        var ids: [String: Int32] = [:]
        var seen: Set<[Int32]> = []
        var gram: [Int32] = []
        var total = 0
        for words in tokenized where words.count >= n {
            let coded = words.map { word in
                if let id = ids[word] { return id }
                let id = Int32(ids.count)
                ids[word] = id
                return id
            }
            for start in 0...(coded.count - n) {
                gram.removeAll(keepingCapacity: true)
                gram.append(contentsOf: coded[start..<(start + n)])
                seen.insert(gram)
                total += 1
            }
        }
        return total == 0 ? nil : Double(seen.count) / Double(total)
    }
}
