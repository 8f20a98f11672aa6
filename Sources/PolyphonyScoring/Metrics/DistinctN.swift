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
        var seen: Set<ArraySlice<String>> = []
        var total = 0
        for words in tokenized where words.count >= n {
            for start in 0...(words.count - n) {
                seen.insert(words[start..<(start + n)])
                total += 1
            }
        }
        return total == 0 ? nil : Double(seen.count) / Double(total)
    }
}
