import PolyphonyCore
internal import Yams

/// Parses YAML text from a user's file into line-carrying ``YAMLNode`` values.
package enum YAMLDocument {
    /// The document's root, or `nil` when the text holds no document (empty or only comments).
    /// - Parameters:
    ///   - file: The name errors report.
    ///   - lineOffset: Lines of `file` before `text` (a persona's front matter starts on line 2).
    /// - Throws: ``PolyphonyError`` with the line of the syntax error or the repeated key.
    package static func parse(_ text: String, file: String, lineOffset: Int = 0) throws -> YAMLNode? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw YAMLProblem.describe(error, text: text, file: file, lineOffset: lineOffset)
        }
        return try root.map { try convert($0, file: file, lineOffset: lineOffset, fallbackLine: lineOffset + 1) }
    }

    /// Parses `text` and requires its root to be a mapping.
    /// - Throws: ``PolyphonyError`` for a syntax error, an empty document or another root.
    package static func parseMapping(_ text: String, file: String, lineOffset: Int = 0) throws -> YAMLMapping {
        guard let root = try parse(text, file: file, lineOffset: lineOffset) else {
            throw PolyphonyError.invalidInput("empty YAML document", file: file, line: lineOffset + 1)
        }
        return try YAMLMapping(root, what: "the document")
    }

    private static func convert(_ node: Node, file: String, lineOffset: Int, fallbackLine: Int) throws -> YAMLNode {
        let line = node.mark.map { $0.line + lineOffset } ?? fallbackLine
        switch node {
        case .scalar(let scalar):
            let value = YAMLScalar(
                text: scalar.string, isPlain: scalar.style == .plain, bool: node.bool, int: node.int, double: node.float)
            return YAMLNode(.scalar(value), file: file, line: line)
        case .sequence(let sequence):
            let items = try sequence.map { try convert($0, file: file, lineOffset: lineOffset, fallbackLine: line) }
            return YAMLNode(.sequence(items), file: file, line: line)
        case .mapping(let mapping):
            let entries = try mapping.map { key, value in
                YAMLMapping.Entry(
                    key: try convert(key, file: file, lineOffset: lineOffset, fallbackLine: line),
                    value: try convert(value, file: file, lineOffset: lineOffset, fallbackLine: line))
            }
            return YAMLNode(.mapping(YAMLMapping(file: file, line: line, entries: entries)), file: file, line: line)
        case .alias:
            throw PolyphonyError.invalidInput("YAML aliases (*name) are not supported here", file: file, line: line)
        }
    }
}
