import PolyphonyCore

/// One value read from a user's YAML file, with the file and the 1-based line it is on.
///
/// The YAML library stays inside this module: readers get these values, whose every error
/// names the file and line.
package struct YAMLNode: Sendable {
    /// What the node holds.
    package enum Content: Sendable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping(YAMLMapping)
    }

    package let content: Content
    /// The file the node was read from.
    package let file: String
    /// The node's 1-based line in ``file``.
    package let line: Int

    package init(_ content: Content, file: String, line: Int) {
        self.content = content
        self.file = file
        self.line = line
    }

    /// The scalar, or `nil` for a list or mapping.
    package var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    /// The scalar's text, or `nil` for a list or mapping.
    package var text: String? { scalar?.text }

    /// The items, or `nil` when the node is not a list.
    package var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    /// The mapping, or `nil` when the node is not one.
    package var mapping: YAMLMapping? {
        if case .mapping(let mapping) = content { return mapping }
        return nil
    }

    /// Whether the node is a plain `~`, `null` or nothing at all.
    package var isNull: Bool { scalar?.isNull ?? false }

    /// How the node reads in an error: `"warm"`, `a list`, `a mapping`.
    package var shown: String {
        switch content {
        case .scalar(let scalar): "\"\(scalar.text)\""
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }

    /// An invalid-input error at this node's line.
    package func error(_ message: String) -> PolyphonyError {
        .invalidInput(message, file: file, line: line)
    }
}

/// A YAML scalar: its text, and the values the YAML core schema reads it as.
package struct YAMLScalar: Sendable {
    /// The text as written, without quotes.
    package let text: String
    /// Whether it was written without quotes.
    package let isPlain: Bool
    /// `true`/`false` when the text is a YAML boolean.
    package let bool: Bool?
    /// The whole number the text denotes (`0x1F` and `1_000` included), if any.
    package let int: Int?
    /// The number the text denotes (`.inf` included), if any.
    package let double: Double?

    package init(text: String, isPlain: Bool = true, bool: Bool? = nil, int: Int? = nil, double: Double? = nil) {
        self.text = text
        self.isPlain = isPlain
        self.bool = bool
        self.int = int
        self.double = double
    }

    /// A plain empty, `~` or `null` value, which YAML reads as no value.
    package var isNull: Bool { isPlain && ["", "~", "null", "Null", "NULL"].contains(text) }
}
