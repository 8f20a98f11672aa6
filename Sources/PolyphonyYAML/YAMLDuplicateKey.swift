import PolyphonyCore

/// The error for a key given twice in one YAML mapping, reported where the second one is.
///
/// The YAML library names the duplicated key and where its *first* occurrence is, so the
/// YAML readers (personas, sessions, grids, the backends file) share this one search for the
/// repeat: the next line of the same mapping, at the same column, that starts with the key.
enum YAMLDuplicateKey {
    /// - Parameters:
    ///   - key: The duplicated key.
    ///   - text: The YAML the key was read from.
    ///   - firstLine: The 1-based line of the key's first occurrence in `text`.
    ///   - firstColumn: Its 1-based column.
    ///   - file: The file to name.
    ///   - lineOffset: Lines of `file` before `text` (a persona's front matter starts on line 2).
    static func error(key: String, text: String, firstLine: Int, firstColumn: Int, file: String, lineOffset: Int = 0) -> PolyphonyError {
        let first = firstLine + lineOffset
        guard let repeated = lineOfRepeat(key: key, text: text, firstLine: firstLine, firstColumn: firstColumn) else {
            return .invalidInput("field '\(key)' appears twice in this mapping", file: file, line: first)
        }
        return .invalidInput("field '\(key)' appears twice (first on line \(first))", file: file, line: repeated + lineOffset)
    }

    static func lineOfRepeat(key: String, text: String, firstLine: Int, firstColumn: Int) -> Int? {
        let indent = max(0, firstColumn - 1)
        let spellings = [key, "\"\(key)\"", "'\(key)'"]
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var number = firstLine
        for line in lines.dropFirst(firstLine) {
            number += 1
            let content = line.drop { $0 == " " }
            if content.isEmpty || content.hasPrefix("#") { continue }
            let leading = line.count - content.count
            // A line left of the mapping's keys ends the mapping.
            if leading < indent { return nil }
            guard leading == indent else { continue }
            for spelling in spellings where content.hasPrefix(spelling) {
                if content.dropFirst(spelling.count).drop(while: { $0 == " " }).hasPrefix(":") { return number }
            }
        }
        return nil
    }
}
