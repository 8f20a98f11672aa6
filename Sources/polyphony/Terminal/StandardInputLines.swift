import Foundation
import PolyphonyEngine

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

    /// The `--human-script` file.
    static func script(file: String) throws -> HumanScript {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw PolyphonyCLIError.unreadable(file)
        }
        return HumanScript(text: text)
    }
}
