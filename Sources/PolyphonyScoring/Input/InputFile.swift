import Foundation
import PolyphonyCore

/// Reads a whole input file, with the error users see when it is missing or unreadable.
func readInputFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
        throw PolyphonyError.io(reason, file: path)
    }
    return [UInt8](data)
}
