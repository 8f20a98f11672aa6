import Foundation
import PolyphonyCore

extension BertTokenizer {
    /// Reads a Hugging Face `tokenizer.json` that describes a BERT WordPiece tokenizer.
    ///
    /// Honours the normalizer flags, the WordPiece settings, the special tokens and the
    /// `[CLS]`/`[SEP]` template. Its padding and truncation settings are ignored: callers choose
    /// `maxTokens` per call, and sequences are never padded.
    /// - Parameter path: The `tokenizer.json` file.
    /// - Throws: `PolyphonyError.io` if the file cannot be read; `PolyphonyError.invalidInput`
    ///   naming the file and field if it is not a BERT WordPiece tokenizer.
    package init(contentsOfTokenizerJSON path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw PolyphonyError.io("cannot read tokenizer file: \(error.localizedDescription)", file: path)
        }
        func invalid(_ message: String) -> PolyphonyError { PolyphonyError.invalidInput(message, file: path) }
        func describe(_ value: JSONValue?) -> String { value?.stringValue ?? "missing" }
        guard let root = try? JSONDecoder().decode(JSONValue.self, from: data), case .object = root else {
            throw invalid("tokenizer file is not a JSON object")
        }
        guard let model = root["model"], case .object = model else { throw invalid("model is missing") }
        guard model["type"]?.stringValue == "WordPiece" else {
            throw invalid("model.type is \(describe(model["type"])), expected WordPiece")
        }
        guard case .object(let rawVocabulary)? = model["vocab"] else { throw invalid("model.vocab is missing or not an object") }
        var vocabulary: [String: Int] = [:]
        vocabulary.reserveCapacity(rawVocabulary.count)
        for (token, value) in rawVocabulary {
            guard let id = SafetensorsTensorInfo.integer(value), id >= 0 else {
                throw invalid("model.vocab[\(token)] is not a non-negative integer id")
            }
            vocabulary[token] = id
        }

        var configuration = Configuration()
        if let unknown = model["unk_token"]?.stringValue { configuration.unknownToken = unknown }
        if let prefix = model["continuing_subword_prefix"]?.stringValue { configuration.continuationPrefix = prefix }
        if let limit = model["max_input_chars_per_word"].flatMap(SafetensorsTensorInfo.integer) {
            configuration.maxInputCharactersPerWord = limit
        }

        if let normalizer = root["normalizer"], normalizer != .null {
            guard normalizer["type"]?.stringValue == "BertNormalizer" else {
                throw invalid("normalizer.type is \(describe(normalizer["type"])), expected BertNormalizer")
            }
            func flag(_ key: String) -> Bool? {
                if case .bool(let value)? = normalizer[key] { return value }
                return nil
            }
            configuration.cleanText = flag("clean_text") ?? true
            configuration.handleChineseCharacters = flag("handle_chinese_chars") ?? true
            configuration.lowercase = flag("lowercase") ?? true
            // `null` means "strip accents exactly when lowercasing", as in the reference.
            configuration.stripAccents = flag("strip_accents") ?? configuration.lowercase
        } else {
            configuration.cleanText = false
            configuration.handleChineseCharacters = false
            configuration.stripAccents = false
            configuration.lowercase = false
        }
        if let preTokenizer = root["pre_tokenizer"], preTokenizer != .null, preTokenizer["type"]?.stringValue != "BertPreTokenizer" {
            throw invalid("pre_tokenizer.type is \(describe(preTokenizer["type"])), expected BertPreTokenizer")
        }
        if let added = root["added_tokens"]?.arrayValue {
            configuration.specialTokens = added.compactMap { entry in
                entry["special"] == .bool(true) ? entry["content"]?.stringValue : nil
            }
            // Added tokens may be absent from model.vocab; their ids come from the entry.
            for entry in added {
                if let content = entry["content"]?.stringValue, let id = entry["id"].flatMap(SafetensorsTensorInfo.integer),
                   vocabulary[content] == nil {
                    vocabulary[content] = id
                }
            }
        }
        if let single = root["post_processor"]?["single"]?.arrayValue {
            let specials = single.compactMap { $0["SpecialToken"]?["id"]?.stringValue }
            guard specials.count == 2 else {
                throw invalid("post_processor.single has \(specials.count) special tokens, expected [CLS] and [SEP] around the text")
            }
            configuration.classToken = specials[0]
            configuration.separatorToken = specials[1]
        }
        do {
            try self.init(vocabulary: vocabulary, configuration: configuration)
        } catch let error as PolyphonyError {
            throw invalid(error.message)
        }
    }
}
