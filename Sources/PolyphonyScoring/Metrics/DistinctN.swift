/// distinct-n (Li et al. 2016, "A Diversity-Promoting Objective Function for Neural
/// Conversation Models"): the number of distinct word n-grams divided by the total number of
/// n-grams, pooled over a set of texts. Lexical and model-free, so it is always available.
package enum DistinctN {
    /// distinct-`n` over `texts`; n-grams never span two texts. Words are lower-cased runs of
    /// letters and digits.
    /// - Returns: `nil` when the texts hold no n-gram of that length.
    package static func compute(_ texts: [String], n: Int) -> Double? {
        compute(tokenized: texts.map(LexicalEmbedder.words), n: n)
    }

    /// distinct-`n` over texts already split into words.
    package static func compute(tokenized: [[String]], n: Int) -> Double? {
        compute(wordIDs: WordIDs(tokenized).texts, n: n)
    }

    /// Texts as dense word ids, so n-grams hash as integers rather than strings.
    struct WordIDs {
        var texts: [[Int32]]

        init(_ tokenized: [[String]]) {
            var ids: [String: Int32] = [:]
            texts = tokenized.map { words in
                words.map { word in
                    if let id = ids[word] { return id }
                    let id = Int32(ids.count)
                    ids[word] = id
                    return id
                }
            }
        }
    }

    /// distinct-`n` over texts given as word ids.
    static func compute(wordIDs texts: [[Int32]], n: Int) -> Double? {
        guard n >= 1 else { return nil }
        var total = 0
        // Up to three ids below 2²¹ pack exactly into one UInt64.
        let packable = n <= 3 && texts.allSatisfy { $0.allSatisfy { $0 < 1 << 21 } }
        if packable {
            var seen: Set<UInt64> = []
            for words in texts where words.count >= n {
                for start in 0...(words.count - n) {
                    var key: UInt64 = 0
                    for offset in 0..<n { key = key << 21 | UInt64(words[start + offset]) }
                    seen.insert(key)
                    total += 1
                }
            }
            return total == 0 ? nil : Double(seen.count) / Double(total)
        }
        var seen: Set<ArraySlice<Int32>> = []
        for words in texts where words.count >= n {
            for start in 0...(words.count - n) {
                seen.insert(words[start..<(start + n)])
                total += 1
            }
        }
        return total == 0 ? nil : Double(seen.count) / Double(total)
    }
}
