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

    static let itemPattern = try! NSRegularExpression(
        pattern: #"^\s{0,3}(?:(?:idea\s*)?\d{1,3}\s*[.):\]]|[-*•+]|#{2,4}\s*\d{1,3}[.):]?|\[[a-z]{1,3}\d{0,4}\])\s+(.*)$"#,
        options: [.caseInsensitive]
    )

    /// The text of a list item (what follows its marker), or `nil` when `line` is no list
    /// item: what ``itemPattern``'s group 1 gives, read from the bytes when the marker is
    /// plain ASCII (or `•`) and by the pattern otherwise.
    static func itemBody(_ line: String) -> String? {
        switch ItemMarker.scan(line) {
        case .item(let offset): return String(decoding: Array(line.utf8.dropFirst(offset)), as: UTF8.self)
        case .none: return nil
        case .unsure:
            let range = NSRange(line.startIndex..., in: line)
            guard let match = itemPattern.firstMatch(in: line, range: range), let body = Range(match.range(at: 1), in: line) else { return nil }
            return String(line[body])
        }
    }

    private func parseList(_ text: String) -> [ParsedIdea] {
        var items: [String] = []
        var current: String?
        for rawLine in text.components(separatedBy: .newlines) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if let body = Self.itemBody(rawLine) {
                if let current { items.append(current) }
                current = body
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
        // The pattern starts at "(" or "[": without one there is nothing to split.
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: "[") }) else {
            return ParsedIdea(text: clean(text), buildsOn: [])
        }
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

/// Reads ``IdeaParser/itemPattern``'s list-item marker from a line's bytes, deterministically
/// (the pattern's backtracking has nothing to undo for these shapes). Anything outside ASCII
/// where the pattern would look, except the `•` bullet, is `.unsure`: `\s`, `\d` and the
/// case-insensitive letters then follow Unicode rules, which the pattern itself applies.
enum ItemMarker: Equatable {
    /// A list item whose text starts at this byte offset.
    case item(Int)
    case none
    case unsure

    static func scan(_ line: String) -> ItemMarker {
        let bytes = Array(line.utf8)
        var index = 0
        var sawNonASCII = false
        func at(_ offset: Int) -> UInt8? {
            guard offset < bytes.count else { return nil }
            if bytes[offset] >= 0x80 { sawNonASCII = true }
            return bytes[offset]
        }
        func isSpace(_ byte: UInt8?) -> Bool { byte == 0x20 || byte == 0x09 }
        func isDigit(_ byte: UInt8?) -> Bool { byte.map { (0x30...0x39).contains($0) } ?? false }
        func isLetter(_ byte: UInt8?) -> Bool { byte.map { (0x41...0x5A).contains($0 & 0xDF) } ?? false }
        func lower(_ byte: UInt8?) -> UInt8? { byte.map { isLetter($0) ? $0 | 0x20 : $0 } }
        /// `\s+(.*)$` from `offset`: at least one space, then the body.
        func body(from offset: Int) -> ItemMarker {
            var end = offset
            while isSpace(at(end)) { end += 1 }
            if sawNonASCII || (at(end) ?? 0) >= 0x80 { return .unsure }
            return end > offset ? .item(end) : .none
        }
        // ^\s{0,3}
        while index < 3, isSpace(at(index)) { index += 1 }
        guard let first = at(index) else { return .none }
        if first == 0xE2, bytes.count >= index + 3, bytes[index + 1] == 0x80, bytes[index + 2] == 0xA2 {  // •
            sawNonASCII = false
            return body(from: index + 3)
        }
        if sawNonASCII { return .unsure }
        switch first {
        case UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "+"):
            return body(from: index + 1)
        case UInt8(ascii: "#"):
            var hashes = 0
            while at(index) == UInt8(ascii: "#") { hashes += 1; index += 1 }
            guard (2...4).contains(hashes) else { return sawNonASCII ? .unsure : .none }
            while isSpace(at(index)) { index += 1 }
            var digits = 0
            while digits < 3, isDigit(at(index)) { digits += 1; index += 1 }
            if sawNonASCII || (at(index) ?? 0) >= 0x80 { return .unsure }
            guard digits > 0 else { return .none }
            if let mark = at(index), mark == UInt8(ascii: ".") || mark == UInt8(ascii: ")") || mark == UInt8(ascii: ":") { index += 1 }
            return body(from: index)
        case UInt8(ascii: "["):
            index += 1
            var letters = 0
            while letters < 3, isLetter(at(index)) { letters += 1; index += 1 }
            var digits = 0
            while digits < 4, isDigit(at(index)) { digits += 1; index += 1 }
            if sawNonASCII || (at(index) ?? 0) >= 0x80 { return .unsure }
            guard letters > 0, at(index) == UInt8(ascii: "]") else { return .none }
            return body(from: index + 1)
        default:
            // (?:idea\s*)?\d{1,3}\s*[.):\]]
            if lower(at(index)) == UInt8(ascii: "i"), lower(at(index + 1)) == UInt8(ascii: "d"),
               lower(at(index + 2)) == UInt8(ascii: "e"), lower(at(index + 3)) == UInt8(ascii: "a") {
                index += 4
                while isSpace(at(index)) { index += 1 }
            }
            var digits = 0
            while digits < 3, isDigit(at(index)) { digits += 1; index += 1 }
            if sawNonASCII || (at(index) ?? 0) >= 0x80 { return .unsure }
            guard digits > 0 else { return .none }
            while isSpace(at(index)) { index += 1 }
            if sawNonASCII || (at(index) ?? 0) >= 0x80 { return .unsure }
            guard let mark = at(index), [UInt8(ascii: "."), UInt8(ascii: ")"), UInt8(ascii: ":"), UInt8(ascii: "]")].contains(mark) else { return .none }
            return body(from: index + 1)
        }
    }
}
