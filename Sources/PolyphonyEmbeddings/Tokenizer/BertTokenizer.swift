import PolyphonyCore

/// The BERT uncased WordPiece tokenizer of `all-MiniLM-L6-v2`, matching Hugging Face
/// `tokenizers` on the model's `tokenizer.json` token for token.
///
/// Encoding runs: special tokens written literally in the text (`[MASK]`, `[SEP]`, …) are
/// kept whole; the rest is normalized (``BertNormalizer``), split into words at whitespace
/// and punctuation, and split into WordPiece subwords. The result is wrapped as
/// `[CLS] … [SEP]` and truncated. It is never padded: the encoder packs sequences instead.
package struct BertTokenizer: Sendable {
    /// How text is normalized and split; the defaults are BERT uncased's.
    package struct Configuration: Sendable, Equatable {
        /// Drop control characters and map all whitespace to a space.
        package var cleanText = true
        /// Put spaces around CJK ideographs so each becomes its own word.
        package var handleChineseCharacters = true
        /// Decompose (NFD) and drop nonspacing marks: `é` → `e`.
        package var stripAccents = true
        /// Lowercase every scalar.
        package var lowercase = true
        /// The token for words that cannot be split into known pieces.
        package var unknownToken = "[UNK]"
        /// The mark of a piece that continues a word.
        package var continuationPrefix = "##"
        /// Words longer than this (in Unicode scalars) become the unknown token.
        package var maxInputCharactersPerWord = 100
        /// The token that starts every sequence.
        package var classToken = "[CLS]"
        /// The token that ends every sequence.
        package var separatorToken = "[SEP]"
        /// Tokens recognised verbatim in raw text, before normalization.
        package var specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

        /// BERT uncased defaults.
        package init() {}
    }

    /// The settings this tokenizer was built with.
    package let configuration: Configuration
    /// How many entries the vocabulary has; ids run from 0 to `vocabularySize - 1`.
    package let vocabularySize: Int
    let classID: Int
    let separatorID: Int
    let normalizer: BertNormalizer
    let wordPiece: WordPiece
    /// Special tokens as scalar arrays with their ids, longest first so the longest match wins.
    let specials: [(scalars: [Unicode.Scalar], id: Int)]

    /// Builds a tokenizer from a vocabulary given as a token-to-id map.
    /// - Throws: `PolyphonyError.invalidInput` when the unknown, class or separator token, or a
    ///   special token, is missing from the vocabulary.
    package init(vocabulary: [String: Int], configuration: Configuration = Configuration()) throws {
        func id(_ token: String, _ role: String) throws -> Int {
            guard let id = vocabulary[token] else {
                throw PolyphonyError.invalidInput("tokenizer vocabulary has no \(role) token \(token)")
            }
            return id
        }
        self.configuration = configuration
        self.vocabularySize = (vocabulary.values.max() ?? -1) + 1
        self.classID = try id(configuration.classToken, "class")
        self.separatorID = try id(configuration.separatorToken, "separator")
        self.normalizer = BertNormalizer(
            cleanText: configuration.cleanText, handleChineseCharacters: configuration.handleChineseCharacters,
            stripAccents: configuration.stripAccents, lowercase: configuration.lowercase
        )
        self.wordPiece = WordPiece(
            vocabulary: vocabulary, unknownID: try id(configuration.unknownToken, "unknown"),
            continuationPrefix: configuration.continuationPrefix,
            maxInputCharacters: configuration.maxInputCharactersPerWord
        )
        self.specials = try configuration.specialTokens.filter { !$0.isEmpty }
            .map { (scalars: Array($0.unicodeScalars), id: try id($0, "special")) }
            .sorted { $0.scalars.count > $1.scalars.count }
    }

    /// Builds a tokenizer from a vocabulary in id order, as in `vocab.txt` (line n has id n).
    /// - Throws: `PolyphonyError.invalidInput` when a required token is missing.
    package init(vocabulary: [String], configuration: Configuration = Configuration()) throws {
        var map: [String: Int] = [:]
        for (id, token) in vocabulary.enumerated() where map[token] == nil { map[token] = id }
        try self.init(vocabulary: map, configuration: configuration)
    }

    /// The ids for `text`: `[CLS]`, its pieces, `[SEP]`, at most `maxTokens` in all.
    /// - Parameters:
    ///   - text: Any text; control characters and unknown words never fail.
    ///   - maxTokens: The length cap including `[CLS]` and `[SEP]`; values below 2 act as 2.
    /// - Returns: Token ids; pieces past the cap are dropped from the end.
    package func encode(_ text: String, maxTokens: Int = 256) -> [Int] {
        var ids = [classID]
        let limit = max(maxTokens, 2) - 1
        for segment in segments(Array(text.unicodeScalars)) {
            switch segment {
            case .special(let id):
                ids.append(id)
            case .text(let scalars):
                for word in BertPreTokenizer.words(normalizer.normalize(scalars)) {
                    wordPiece.append(word, to: &ids)
                    if ids.count >= limit { break }
                }
            }
            if ids.count >= limit { break }
        }
        if ids.count > limit { ids.removeSubrange(limit...) }
        ids.append(separatorID)
        return ids
    }

    enum Segment {
        case special(Int)
        case text(ArraySlice<Unicode.Scalar>)
    }

    /// Splits raw text at special tokens written verbatim (leftmost match, longest first).
    func segments(_ scalars: [Unicode.Scalar]) -> [Segment] {
        var result: [Segment] = []
        var textStart = 0
        var index = 0
        scan: while index < scalars.count {
            for special in specials where scalars[index...].starts(with: special.scalars) {
                if textStart < index { result.append(.text(scalars[textStart..<index])) }
                result.append(.special(special.id))
                index += special.scalars.count
                textStart = index
                continue scan
            }
            index += 1
        }
        if textStart < scalars.count { result.append(.text(scalars[textStart...])) }
        return result
    }
}
