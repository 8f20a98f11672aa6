import Foundation
import PolyphonyCore
import Testing
@testable import PolyphonyEmbeddings

/// WordPiece and BERT normalisation on a vocabulary small enough to check by hand.
@Suite struct BertTokenizerTests {
    static let vocabulary = [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
        "un", "##aff", "##able", "run", "##ning", "the", "cafe", "!", ",", "$", "a", "##b",
        "中", "文", "naive", "hello", "world", "'", "s",
    ]

    static func tokenizer(_ change: (inout BertTokenizer.Configuration) -> Void = { _ in }) throws -> BertTokenizer {
        var configuration = BertTokenizer.Configuration()
        change(&configuration)
        return try BertTokenizer(vocabulary: vocabulary, configuration: configuration)
    }

    /// The tokens (not ids) between [CLS] and [SEP], for readable expectations.
    static func pieces(_ text: String, maxTokens: Int = 256, _ tokenizer: BertTokenizer? = nil) throws -> [String] {
        let ids = try (tokenizer ?? Self.tokenizer()).encode(text, maxTokens: maxTokens)
        #expect(ids.first == 2 && ids.last == 3, "every sequence is wrapped in [CLS] … [SEP]")
        return ids.dropFirst().dropLast().map { vocabulary[$0] }
    }

    @Test func splitsAWordIntoTheLongestKnownPiecesFirst() throws {
        #expect(try Self.pieces("unaffable running") == ["un", "##aff", "##able", "run", "##ning"])
    }

    @Test func turnsAWordWithAnUnmatchablePartIntoOneUnknownToken() throws {
        // "unaffablex": every piece matches until "x", so the whole word is [UNK], not a partial split.
        #expect(try Self.pieces("unaffablex the") == ["[UNK]", "the"])
    }

    @Test func turnsAWordLongerThanTheCharacterLimitIntoUnknown() throws {
        let tokenizer = try Self.tokenizer { $0.maxInputCharactersPerWord = 4 }
        #expect(try Self.pieces("abbb abbbb", tokenizer) == ["a", "##b", "##b", "##b", "[UNK]"])
    }

    @Test func isolatesPunctuationIncludingAsciiSymbols() throws {
        #expect(try Self.pieces("hello,world!$a") == ["hello", ",", "world", "!", "$", "a"])
        #expect(BertPreTokenizer.isPunctuation("$") && BertPreTokenizer.isPunctuation("^") && BertPreTokenizer.isPunctuation("«"))
        #expect(!BertPreTokenizer.isPunctuation("a") && !BertPreTokenizer.isPunctuation("€"))
    }

    @Test func lowercasesAndStripsAccents() throws {
        #expect(try Self.pieces("CAFÉ Naïve") == ["cafe", "naive"])
        // A combining acute accent (U+0301) is a nonspacing mark and disappears too.
        #expect(try Self.pieces("cafe\u{301}") == ["cafe"])
    }

    @Test func keepsAccentsWhenStrippingIsOff() throws {
        let tokenizer = try Self.tokenizer { $0.stripAccents = false }
        #expect(try Self.pieces("café cafe", tokenizer) == ["[UNK]", "cafe"])
    }

    @Test func splitsChineseIdeographsIntoSingleCharacterWords() throws {
        #expect(try Self.pieces("中文hello") == ["中", "文", "hello"])
    }

    @Test func dropsControlCharactersAndTreatsAllWhitespaceAsSpace() throws {
        #expect(try Self.pieces("hel\u{0}lo\u{7}\tworld\u{A0}the\u{2003}a\u{FFFD}") == ["hello", "world", "the", "a"])
    }

    @Test func keepsSpecialTokensWrittenInTheTextWhole() throws {
        #expect(try Self.pieces("hello [MASK] world[SEP]") == ["hello", "[MASK]", "world", "[SEP]"])
        // Special tokens match before lowercasing, so a lowercase spelling is ordinary text:
        // "[", "mask" and "]" are three words this vocabulary does not know.
        #expect(try Self.pieces("[mask]") == ["[UNK]", "[UNK]", "[UNK]"])
    }

    @Test func truncatesToTheTokenLimitIncludingClsAndSep() throws {
        let tokenizer = try Self.tokenizer()
        let ids = tokenizer.encode("hello world the a hello world", maxTokens: 4)
        #expect(ids == [2, 20, 21, 3])
        #expect(tokenizer.encode("", maxTokens: 4) == [2, 3])
    }

    @Test func rejectsAVocabularyWithoutTheUnknownToken() {
        #expect(throws: PolyphonyError.invalidInput) {
            _ = try BertTokenizer(vocabulary: ["[CLS]", "[SEP]", "a"])
        }
    }

    @Test func readsTheSettingsOfATokenizerJSONFile() throws {
        let json = """
        {"added_tokens":[{"id":0,"content":"<pad>","special":true},{"id":1,"content":"<unk>","special":true},
          {"id":2,"content":"<s>","special":true},{"id":3,"content":"</s>","special":true}],
         "normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":false,"lowercase":false},
         "pre_tokenizer":{"type":"BertPreTokenizer"},
         "post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<s>","type_id":0}},{"Sequence":{"id":"A","type_id":0}},{"SpecialToken":{"id":"</s>","type_id":0}}]},
         "model":{"type":"WordPiece","unk_token":"<unk>","continuing_subword_prefix":"++","max_input_chars_per_word":100,
          "vocab":{"<pad>":0,"<unk>":1,"<s>":2,"</s>":3,"Hi":4,"++ya":5,"hi":6}}}
        """
        let path = NSTemporaryDirectory() + "polyphony-tokenizer-\(UUID().uuidString).json"
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tokenizer = try BertTokenizer(contentsOfTokenizerJSON: path)
        #expect(tokenizer.configuration.lowercase == false)
        #expect(tokenizer.configuration.stripAccents == false)
        #expect(tokenizer.encode("Hiya hi HI </s>") == [2, 4, 5, 6, 1, 3, 3])
    }

    @Test func rejectsATokenizerJSONThatIsNotWordPiece() throws {
        let path = NSTemporaryDirectory() + "polyphony-tokenizer-\(UUID().uuidString).json"
        try Data(#"{"model":{"type":"BPE","vocab":{}}}"#.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: PolyphonyError.invalidInput) {
            _ = try BertTokenizer(contentsOfTokenizerJSON: path)
        }
        #expect(error?.file == path)
    }
}
