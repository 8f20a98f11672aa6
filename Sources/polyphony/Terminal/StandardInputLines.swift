import Foundation

/// Lines typed on stdin (a TTY or a pipe), as an async stream.
///
/// `readLine` blocks, and blocking reads cannot be cancelled, so a dedicated thread does the
/// reading; it ends with the process. The stream finishes at end of input.
enum StandardInputLines {
    static func stream() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        let reader = Thread {
            while let line = readLine(strippingNewline: true) {
                continuation.yield(line)
            }
            continuation.finish()
        }
        reader.name = "polyphony-stdin"
        reader.start()
        return stream
    }

    /// The lines of a `--human-script` file, delivered as if typed.
    static func stream(file: String) throws -> AsyncStream<String> {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw PolyphonyCLIError.unreadable(file)
        }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        let (stream, continuation) = AsyncStream<String>.makeStream()
        for line in lines { continuation.yield(line) }
        continuation.finish()
        return stream
    }
}
