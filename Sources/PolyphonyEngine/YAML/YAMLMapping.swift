import Foundation
import PolyphonyCore
import Yams

/// A YAML mapping read from a user's file, with typed accessors whose errors name the file,
/// the line and the field.
///
/// Session and persona files share this so every malformed value reads the same way:
/// `personas/ada.md:4: field 'temperature' should be a number, found "warm"`.
struct YAMLMapping {
    let file: String
    /// Added to libyaml's 1-based line numbers, for YAML embedded after other lines (front matter).
    let lineOffset: Int
    let node: Node.Mapping
    /// The line of the mapping itself, for errors about a missing key.
    let line: Int

    /// Parses `text` and requires its root to be a mapping.
    /// - Throws: ``PolyphonyError`` with the line of the syntax error.
    static func parse(_ text: String, file: String, lineOffset: Int = 0) throws -> YAMLMapping {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw YAMLProblem.describe(error, text: text, file: file, lineOffset: lineOffset)
        } catch {
            throw PolyphonyError.invalidInput("not valid YAML: \(error)", file: file, line: lineOffset + 1)
        }
        guard let root else {
            throw PolyphonyError.invalidInput("empty YAML document", file: file, line: lineOffset + 1)
        }
        return try YAMLMapping(node: root, file: file, lineOffset: lineOffset, what: "the document")
    }

    init(node: Node, file: String, lineOffset: Int, what: String) throws {
        guard case .mapping(let mapping) = node else {
            throw PolyphonyError.invalidInput("\(what) should be a mapping of key: value lines", file: file, line: (node.mark?.line ?? 1) + lineOffset)
        }
        self.file = file
        self.lineOffset = lineOffset
        self.node = mapping
        self.line = (node.mark?.line ?? 1) + lineOffset
    }

    /// The keys in file order, each with its line.
    var keys: [(key: String, line: Int)] {
        node.keys.map { ($0.string ?? "\($0)", ($0.mark?.line ?? 1) + lineOffset) }
    }

    /// Throws on the first key not in `allowed`, naming the allowed ones.
    func rejectUnknownKeys(allowed: [String]) throws {
        for (key, line) in keys where !allowed.contains(key) {
            throw PolyphonyError.invalidInput(
                "unknown field '\(key)' (allowed: \(allowed.joined(separator: ", ")))", file: file, line: line
            )
        }
    }

    /// The line of `key`'s value, or of the mapping when the key is absent.
    func line(of key: String) -> Int {
        guard let value = node[key], let mark = value.mark else { return line }
        return mark.line + lineOffset
    }

    func value(_ key: String) -> Node? {
        guard let value = node[key] else { return nil }
        if case .scalar(let scalar) = value, scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
            return nil
        }
        return value
    }

    func requiredString(_ key: String) throws -> String {
        guard let value = value(key) else {
            throw PolyphonyError.invalidInput("missing required field '\(key)'", file: file, line: line)
        }
        return try string(value, key: key)
    }

    func optionalString(_ key: String) throws -> String? {
        try value(key).map { try string($0, key: key) }
    }

    func optionalDouble(_ key: String, in range: ClosedRange<Double>? = nil) throws -> Double? {
        guard let value = value(key) else { return nil }
        guard case .scalar = value, let number = value.float, value.string.map({ Double($0) != nil || Int($0) != nil }) ?? false else {
            throw mismatch(key, expected: "a number", found: value)
        }
        if let range, !range.contains(number) {
            throw PolyphonyError.invalidInput("field '\(key)' should be between \(range.lowerBound) and \(range.upperBound), found \(number)", file: file, line: line(of: key))
        }
        return number
    }

    func optionalInt(_ key: String, in range: ClosedRange<Int>? = nil) throws -> Int? {
        guard let value = value(key) else { return nil }
        guard case .scalar = value, let text = value.string, let number = Int(text) else {
            throw mismatch(key, expected: "a whole number", found: value)
        }
        if let range, !range.contains(number) {
            throw PolyphonyError.invalidInput("field '\(key)' should be between \(range.lowerBound) and \(range.upperBound), found \(number)", file: file, line: line(of: key))
        }
        return number
    }

    func optionalUInt64(_ key: String) throws -> UInt64? {
        guard let value = value(key) else { return nil }
        guard case .scalar = value, let text = value.string, let number = UInt64(text) else {
            throw mismatch(key, expected: "a non-negative whole number", found: value)
        }
        return number
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .scalar = value, let flag = value.bool else {
            throw mismatch(key, expected: "true or false", found: value)
        }
        return flag
    }

    /// A list of strings; a single scalar is an error so `expertise: urbanism` is caught.
    func stringList(_ key: String) throws -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .sequence(let sequence) = value else {
            throw mismatch(key, expected: "a list (e.g. [a, b])", found: value)
        }
        return try sequence.map { try string($0, key: key) }
    }

    /// An enumerated value, with the allowed ones in the error.
    func optionalEnum<Value: RawRepresentable & CaseIterable>(_ key: String, _ type: Value.Type) throws -> Value? where Value.RawValue == String {
        guard let text = try optionalString(key) else { return nil }
        guard let parsed = Value(rawValue: text) else {
            let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw PolyphonyError.invalidInput("field '\(key)' has unknown value '\(text)' (allowed: \(allowed))", file: file, line: line(of: key))
        }
        return parsed
    }

    /// A nested mapping.
    func optionalMapping(_ key: String) throws -> YAMLMapping? {
        guard let value = value(key) else { return nil }
        return try YAMLMapping(node: value, file: file, lineOffset: lineOffset, what: "field '\(key)'")
    }

    /// A list of nodes (each may be a scalar or a mapping).
    func optionalSequence(_ key: String) throws -> [Node]? {
        guard let value = value(key) else { return nil }
        guard case .sequence(let sequence) = value else {
            throw mismatch(key, expected: "a list", found: value)
        }
        return Array(sequence)
    }

    func string(_ node: Node, key: String) throws -> String {
        guard case .scalar(let scalar) = node else {
            throw mismatch(key, expected: "text", found: node)
        }
        return scalar.string
    }

    func lineOf(_ node: Node) -> Int { (node.mark?.line ?? 1) + lineOffset }

    private func mismatch(_ key: String, expected: String, found node: Node) -> PolyphonyError {
        let shown: String
        switch node {
        case .scalar(let scalar): shown = "\"\(scalar.string)\""
        case .mapping: shown = "a mapping"
        case .sequence: shown = "a list"
        case .alias: shown = "an alias"
        }
        return PolyphonyError.invalidInput("field '\(key)' should be \(expected), found \(shown)", file: file, line: lineOf(node))
    }
}
