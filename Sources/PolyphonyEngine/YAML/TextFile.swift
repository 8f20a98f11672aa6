import Foundation
import PolyphonyCore

/// Reads a user's text file, with the one-line errors every loader gives.
enum TextFile {
    /// The file's contents as UTF-8 text.
    /// - Throws: ``PolyphonyError`` when the file is missing, unreadable or not UTF-8.
    static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolyphonyError.io(FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file", file: path)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PolyphonyError.invalidInput("not UTF-8 text", file: path, line: 1)
        }
        return text
    }
}
