import PolyphonyCore

/// A YAML mapping read from a user's file, with typed accessors whose errors name the file,
/// the line and the field.
///
/// Every reader (personas, sessions, grids, the backends file) shares this, so a malformed
/// value reads the same way everywhere:
/// `personas/ada.md:4: field 'temperature' should be a number, found "warm"`.
package struct YAMLMapping: Sendable {
    /// One `key: value` pair.
    package struct Entry: Sendable {
        package let key: YAMLNode
        package let value: YAMLNode

        package init(key: YAMLNode, value: YAMLNode) {
            self.key = key
            self.value = value
        }

        /// The key as text (a non-scalar key reads as its description).
        package var name: String { key.text ?? key.shown }
    }

    /// The file the mapping was read from.
    package let file: String
    /// The line of the mapping itself, for errors about a missing key.
    package let line: Int
    /// The pairs in file order.
    package let entries: [Entry]

    package init(file: String, line: Int, entries: [Entry]) {
        self.file = file
        self.line = line
        self.entries = entries
    }

    /// Requires `node` to be a mapping.
    /// - Parameter what: How the node is named in the error, such as `field 'limits'`.
    package init(_ node: YAMLNode, what: String) throws {
        guard let mapping = node.mapping else {
            throw node.error("\(what) should be a mapping of key: value lines")
        }
        self = mapping
    }

    /// The keys in file order, each with its line.
    package var keys: [(key: String, line: Int)] {
        entries.map { ($0.name, $0.key.line) }
    }

    /// Whether the mapping has no pairs.
    package var isEmpty: Bool { entries.isEmpty }

    /// The value of `key` as written, `null` included.
    package subscript(key: String) -> YAMLNode? {
        entries.first { $0.key.text == key }?.value
    }

    /// Throws on the first key not in `allowed`, naming the allowed ones.
    package func rejectUnknownKeys(allowed: [String]) throws {
        for (key, line) in keys where !allowed.contains(key) {
            throw PolyphonyError.invalidInput(
                "unknown field '\(key)' (allowed: \(allowed.joined(separator: ", ")))", file: file, line: line
            )
        }
    }

    /// The line of `key`'s value, or of the mapping when the key is absent.
    package func line(of key: String) -> Int {
        self[key]?.line ?? line
    }

    /// The value of `key`, or `nil` when it is absent or null.
    package func value(_ key: String) -> YAMLNode? {
        guard let value = self[key], !value.isNull else { return nil }
        return value
    }

    package func requiredString(_ key: String) throws -> String {
        guard let value = value(key) else {
            throw PolyphonyError.invalidInput("missing required field '\(key)'", file: file, line: line)
        }
        return try string(value, key: key)
    }

    package func optionalString(_ key: String) throws -> String? {
        try value(key).map { try string($0, key: key) }
    }

    package func optionalDouble(_ key: String, in range: ClosedRange<Double>? = nil) throws -> Double? {
        guard let value = value(key) else { return nil }
        guard let scalar = value.scalar, let number = scalar.double, Double(scalar.text) != nil || Int(scalar.text) != nil else {
            throw mismatch(key, expected: "a number", found: value)
        }
        if let range, !range.contains(number) {
            throw value.error("field '\(key)' should be between \(range.lowerBound) and \(range.upperBound), found \(number)")
        }
        return number
    }

    package func optionalInt(_ key: String, in range: ClosedRange<Int>? = nil) throws -> Int? {
        guard let value = value(key) else { return nil }
        guard let text = value.text, let number = Int(text) else {
            throw mismatch(key, expected: "a whole number", found: value)
        }
        if let range, !range.contains(number) {
            throw value.error("field '\(key)' should be between \(range.lowerBound) and \(range.upperBound), found \(number)")
        }
        return number
    }

    package func optionalUInt64(_ key: String) throws -> UInt64? {
        guard let value = value(key) else { return nil }
        guard let text = value.text, let number = UInt64(text) else {
            throw mismatch(key, expected: "a non-negative whole number", found: value)
        }
        return number
    }

    package func optionalBool(_ key: String) throws -> Bool? {
        guard let value = value(key) else { return nil }
        guard let flag = value.scalar?.bool else {
            throw mismatch(key, expected: "true or false", found: value)
        }
        return flag
    }

    /// A list of strings; a single scalar is an error so `expertise: urbanism` is caught.
    package func stringList(_ key: String) throws -> [String]? {
        guard let value = value(key) else { return nil }
        guard let items = value.sequence else {
            throw mismatch(key, expected: "a list (e.g. [a, b])", found: value)
        }
        return try items.map { try string($0, key: key) }
    }

    /// An enumerated value, with the allowed ones in the error.
    package func optionalEnum<Value: RawRepresentable & CaseIterable>(_ key: String, _ type: Value.Type) throws -> Value?
    where Value.RawValue == String {
        guard let text = try optionalString(key) else { return nil }
        guard let parsed = Value(rawValue: text) else {
            let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw PolyphonyError.invalidInput(
                "field '\(key)' has unknown value '\(text)' (allowed: \(allowed))", file: file, line: line(of: key))
        }
        return parsed
    }

    /// A nested mapping.
    package func optionalMapping(_ key: String) throws -> YAMLMapping? {
        guard let value = value(key) else { return nil }
        return try YAMLMapping(value, what: "field '\(key)'")
    }

    /// A list of nodes (each may be a scalar or a mapping).
    package func optionalSequence(_ key: String) throws -> [YAMLNode]? {
        guard let value = value(key) else { return nil }
        guard let items = value.sequence else {
            throw mismatch(key, expected: "a list", found: value)
        }
        return items
    }

    /// The text of a scalar `node`, the value of `key`.
    package func string(_ node: YAMLNode, key: String) throws -> String {
        guard let text = node.text else {
            throw mismatch(key, expected: "text", found: node)
        }
        return text
    }

    private func mismatch(_ key: String, expected: String, found node: YAMLNode) -> PolyphonyError {
        node.error("field '\(key)' should be \(expected), found \(node.shown)")
    }
}
