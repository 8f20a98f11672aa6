import Foundation
import PolyphonyCore

/// Reads a user's text file (session, persona, grid, backends file) with the errors every
/// loader gives.
package enum TextFile {
    /// The UTF-8 text of `path`.
    /// - Throws: ``PolyphonyError`` naming the file when it is missing, unreadable or not UTF-8.
    package static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolyphonyError.io(FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file", file: path)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PolyphonyError.invalidInput("not UTF-8 text", file: path, line: 1)
        }
        return text
    }
}
