import Foundation
import PolyphonyCore
import Yams

/// One-line errors for YAML the library could not read: syntax errors at their line, a key
/// given twice at the line of the repeat.
package enum YAMLProblem {
    /// - Parameters:
    ///   - text: The YAML that failed, to find a repeated key in.
    ///   - lineOffset: Lines of `file` before `text` (front matter).
    package static func describe(_ error: YamlError, text: String, file: String, lineOffset: Int = 0) -> PolyphonyError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return PolyphonyError.invalidInput("not valid YAML: \(problem)", file: file, line: mark.line + lineOffset)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return YAMLDuplicateKey.error(
                key: duplicates.first ?? "?", text: text, firstLine: context.mark.line, firstColumn: context.mark.column,
                file: file, lineOffset: lineOffset)
        default:
            let text = "\(error)".split(separator: "\n").first.map(String.init) ?? "malformed"
            return PolyphonyError.invalidInput("not valid YAML: \(text)", file: file, line: lineOffset + 1)
        }
    }
}
