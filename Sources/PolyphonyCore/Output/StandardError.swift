import Foundation

/// The one way Polyphony writes to stderr: warnings, progress and the CLI's one-line errors.
///
/// Writes go straight to the file handle, unbuffered, so a line is out before the process
/// exits or a live view redraws over it.
package enum StandardError {
    /// Writes `line` and a line feed.
    /// - Parameter output: Where to write; standard error unless a test passes a pipe.
    package static func writeLine(_ line: String, to output: FileHandle = .standardError) {
        write(line + "\n", to: output)
    }

    /// Writes `text` as it is (a progress view's redraw carries its own control characters).
    /// - Parameter output: Where to write; standard error unless a test passes a pipe.
    package static func write(_ text: String, to output: FileHandle = .standardError) {
        output.write(Data(text.utf8))
    }
}
