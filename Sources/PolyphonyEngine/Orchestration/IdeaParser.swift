import Foundation
import PolyphonyCore

/// Pulls ideas out of a model's answer, tolerating the ways small and large models format lists.
///
/// It accepts, in order of preference: a JSON object `{"ideas": [{"text": …, "builds_on": […]}]}`
/// (possibly inside a code fence or surrounded by prose); a numbered or bulleted list, whose
/// indented continuation lines join the item above; and, when asked to, the whole answer as
/// a single idea.
package struct IdeaParser: Sendable {
    /// One idea as the model wrote it.
    package struct ParsedIdea: Sendable, Equatable {
        package var text: String
        /// Idea ids the model said this one builds on, e.g. `["i3"]`.
        package var buildsOn: [String]

        package init(text: String, buildsOn: [String] = []) {
            self.text = text
            self.buildsOn = buildsOn
        }
    }

    /// The JSON schema agents are given when a session asks for structured output.
    ///
    /// Bounded, so a server that turns the schema into a grammar (llama.cpp) keeps even a
    /// 135M model to a short list of short ideas instead of one answer that runs out of tokens.
    /// - Parameter maxIdeas: The session's `ideas_per_turn`.
    package static func schema(maxIdeas: Int) -> JSONValue {
        .object([
            "type": .string("object"),
            "properties": .object([
                "ideas": .object([
                    "type": .string("array"),
                    "minItems": .number(1),
                    "maxItems": .number(Double(max(1, maxIdeas))),
                    "items": .object([
                        "type": .string("object"),
                        "properties": .object([
                            "text": .object(["type": .string("string"), "minLength": .number(8), "maxLength": .number(Double(maxIdeaLength))]),
                            "builds_on": .object([
                                "type": .string("array"), "maxItems": .number(5),
                                "items": .object(["type": .string("string"), "maxLength": .number(8)]),
                            ]),
                        ]),
                        "required": .array([.string("text")]),
                    ]),
                ]),
            ]),
            "required": .array([.string("ideas")]),
        ])
    }

    /// Characters of one idea in a structured answer: two or three sentences, about 75
    /// tokens, so `ideas_per_turn` ideas of 3 fit the demo's 300-token turns with their JSON.
    package static let maxIdeaLength = 300

    /// Ideas shorter than this are list noise ("1.", "- ok").
    package var minimumLength = 8

    package init() {}

    /// Parses `text`.
    /// - Parameter wholeAnswerFallback: Return the whole answer as one idea when no list or
    ///   JSON is found, for phases whose every answer is an idea.
    package func parse(_ text: String, wholeAnswerFallback: Bool = true) -> [ParsedIdea] {
        if let ideas = parseJSON(text), !ideas.isEmpty { return ideas }
        let listed = parseList(text)
        if !listed.isEmpty { return listed }
        let whole = clean(text)
        guard wholeAnswerFallback, whole.count >= minimumLength else { return [] }
        return [splitReferences(whole)]
    }

    /// The whole answer as one idea; every `[i3]`-style citation becomes a parent.
    package func wholeAnswer(_ text: String) -> ParsedIdea? {
        let whole = clean(text)
        guard whole.count >= minimumLength else { return nil }
        let cited = Self.idPattern.matches(in: whole, range: NSRange(whole.startIndex..., in: whole)).compactMap {
            Range($0.range, in: whole).map { String(whole[$0]) }
        }
        return ParsedIdea(text: whole, buildsOn: Self.unique(cited))
    }

    private func parseJSON(_ text: String) -> [ParsedIdea]? {
        guard let items = JSONExtraction.firstObject(in: text, where: { $0["ideas"]?.arrayValue != nil })?["ideas"]?.arrayValue
        else { return nil }
        return items.compactMap { item in
            if let text = item.stringValue {
                return splitReferences(clean(text))
            }
            guard let text = item["text"]?.stringValue else { return nil }
            let references = (item["builds_on"]?.arrayValue ?? []).compactMap(\.stringValue)
            let parsed = splitReferences(clean(text))
            return ParsedIdea(text: parsed.text, buildsOn: Self.unique(references + parsed.buildsOn))
        }.filter { $0.text.count >= minimumLength }
    }

    private static let itemPattern = try! NSRegularExpression(
        pattern: #"^\s{0,3}(?:(?:idea\s*)?\d{1,3}\s*[.):\]]|[-*•+]|#{2,4}\s*\d{1,3}[.):]?|\[[a-z]{1,3}\d{0,4}\])\s+(.*)$"#,
        options: [.caseInsensitive]
    )

    private func parseList(_ text: String) -> [ParsedIdea] {
        var items: [String] = []
        var current: String?
        for rawLine in text.components(separatedBy: .newlines) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            let range = NSRange(rawLine.startIndex..., in: rawLine)
            if let match = Self.itemPattern.firstMatch(in: rawLine, range: range),
               let body = Range(match.range(at: 1), in: rawLine) {
                if let current { items.append(current) }
                current = String(rawLine[body])
            } else if line.isEmpty {
                if let finished = current { items.append(finished) }
                current = nil
            } else if let existing = current, rawLine.first?.isWhitespace == true {
                current = existing + " " + line
            } else if let finished = current {
                // An unindented line after a list item ends the item (closing prose).
                items.append(finished)
                current = nil
            }
        }
        if let current { items.append(current) }
        return items.map { splitReferences(clean($0)) }.filter { $0.text.count >= minimumLength }
    }

    private static let referencePattern = try! NSRegularExpression(
        pattern: #"[(\[]\s*(?:builds?|building|based)\s+on:?\s*([^)\]]*)[)\]]"#, options: [.caseInsensitive]
    )
    private static let idPattern = try! NSRegularExpression(pattern: #"\bi\d+\b"#)

    /// Separates a trailing "(builds on i3, i7)" from the idea's text.
    private func splitReferences(_ text: String) -> ParsedIdea {
        let range = NSRange(text.startIndex..., in: text)
        var references: [String] = []
        var stripped = text
        for match in Self.referencePattern.matches(in: text, range: range).reversed() {
            guard let whole = Range(match.range, in: text), let list = Range(match.range(at: 1), in: text) else { continue }
            let listText = String(text[list])
            let ids = Self.idPattern.matches(in: listText, range: NSRange(listText.startIndex..., in: listText)).compactMap {
                Range($0.range, in: listText).map { String(listText[$0]) }
            }
            references.insert(contentsOf: ids, at: 0)
            stripped.removeSubrange(whole)
        }
        return ParsedIdea(text: clean(stripped), buildsOn: Self.unique(references))
    }

    /// Drops markdown emphasis and surrounding whitespace; keeps the words.
    private func clean(_ text: String) -> String {
        if Self.isClean(text) { return text }
        var result = text.replacingOccurrences(of: "**", with: "").replacingOccurrences(of: "__", with: "")
        result = result.replacingOccurrences(of: "```json", with: "").replacingOccurrences(of: "```", with: "")
        result = result.components(separatedBy: .newlines).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        while result.contains("  ") { result = result.replacingOccurrences(of: "  ", with: " ") }
        return result.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether ``clean(_:)`` would return `text` unchanged, decided in one pass over its bytes:
    /// printable ASCII only, no `**`, `__`, backtick pair or double space, no space at either
    /// end. Most ideas are like that, and the Foundation string operations cost far more.
    static func isClean(_ text: String) -> Bool {
        var previous: UInt8 = 0x20
        for byte in text.utf8 {
            guard byte >= 0x20, byte <= 0x7E else { return false }
            if byte == previous, byte == UInt8(ascii: "*") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "`") || byte == 0x20 {
                return false
            }
            if previous == 0x20, byte == 0x20 { return false }  // a leading space
            previous = byte
        }
        return previous != 0x20 || text.isEmpty
    }

    private static func unique(_ ids: [String]) -> [String] {
        var seen: Set<String> = []
        return ids.filter { seen.insert($0).inserted }
    }
}
