/// Greedy longest-match-first subword splitting over a fixed vocabulary.
///
/// A word is matched from its start against the longest vocabulary entry; later pieces carry
/// the continuation prefix (`##`). If any part of a word cannot be matched, or the word has
/// more than `maxInputCharacters` scalars, the whole word becomes the unknown token.
struct WordPiece: Sendable {
    let vocabulary: [String: Int]
    let unknownID: Int
    let continuationPrefix: String
    let maxInputCharacters: Int
    /// The longest entry in scalars (prefix excluded), so matching never tries longer substrings.
    let longestPiece: Int

    init(vocabulary: [String: Int], unknownID: Int, continuationPrefix: String, maxInputCharacters: Int) {
        self.vocabulary = vocabulary
        self.unknownID = unknownID
        self.continuationPrefix = continuationPrefix
        self.maxInputCharacters = maxInputCharacters
        let prefixLength = continuationPrefix.unicodeScalars.count
        self.longestPiece = vocabulary.keys.reduce(0) { longest, entry in
            let length = entry.unicodeScalars.count
            let bare = !continuationPrefix.isEmpty && entry.hasPrefix(continuationPrefix) ? length - prefixLength : length
            return max(longest, bare)
        }
    }

    /// Appends the ids of `word`'s pieces to `ids`.
    func append(_ word: ArraySlice<Unicode.Scalar>, to ids: inout [Int]) {
        guard word.count <= maxInputCharacters else {
            ids.append(unknownID)
            return
        }
        let firstPiece = ids.count
        var start = word.startIndex
        while start < word.endIndex {
            var end = min(word.endIndex, start + longestPiece)
            var match: Int?
            while start < end {
                var candidate = start == word.startIndex ? "" : continuationPrefix
                candidate.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = vocabulary[candidate] {
                    match = id
                    break
                }
                end -= 1
            }
            guard let match else {
                ids.removeSubrange(firstPiece...)
                ids.append(unknownID)
                return
            }
            ids.append(match)
            start = end
        }
    }
}
