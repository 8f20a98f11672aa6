// polyphony-fake-server: the tests' fake LLM server as a process of its own, for checks that
// drive the real `polyphony` binary from a shell (the tmux test of the human seat) and for
// measuring against an out-of-process server. Never part of the `polyphony` product.
//
//   polyphony-fake-server [--latency-ms N] [--chunk-delay-ms N] [--pieces N] [--log FILE] [--control]
//
// Prints its base URL (`http://127.0.0.1:PORT`) on the first line of stdout, then serves
// every dialect of FakeLLMServer until it gets SIGTERM or SIGINT. With --log,
// each chat request's last user message is appended to FILE as one JSON line. With --control
// it reads commands from stdin, one a line, for benchmarks that measure the client alone:
// `stats` prints `busy_ms=B requests=N max_in_flight=M` (busy: the time at least one request
// was being answered), `reset` zeroes them and prints `ok`; it exits when stdin closes (a
// parent started with Foundation's Process may have SIGTERM blocked in the child).
import Foundation
import PolyphonyCore
import PolyphonyTestSupport

#if canImport(Glibc)
import Glibc
#endif

struct Arguments {
    var latency = Duration.zero
    var chunkDelay = Duration.zero
    var pieces = 6
    var log: String?
    var control = false

    init(_ words: [String]) throws {
        var rest = words[...]
        func number(_ flag: String) throws -> Int {
            guard let text = rest.popFirst(), let value = Int(text), value >= 0 else {
                throw UsageError("\(flag) needs a whole number of 0 or more")
            }
            return value
        }
        while let word = rest.popFirst() {
            switch word {
            case "--latency-ms": latency = .milliseconds(try number(word))
            case "--chunk-delay-ms": chunkDelay = .milliseconds(try number(word))
            case "--pieces": pieces = try number(word)
            case "--control": control = true
            case "--log":
                guard let path = rest.popFirst() else { throw UsageError("--log needs a file") }
                log = path
            default: throw UsageError("unknown argument \(word)")
            }
        }
    }
}

struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

do {
    let arguments = try Arguments(Array(CommandLine.arguments.dropFirst()))
    let logHandle: FileHandle? = try arguments.log.map { path in
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        return handle
    }
    let logLock = NSLock()
    let server = try FakeLLMServer(
        options: .init(latency: arguments.latency, streamChunkDelay: arguments.chunkDelay, streamPieces: arguments.pieces)
    ) { prompt in
        if let logHandle, let line = try? JSONSerialization.data(withJSONObject: ["user": prompt.lastUserMessage]) {
            logLock.lock()
            logHandle.write(line + Data("\n".utf8))
            logLock.unlock()
        }
        return FakeLLMServer.numberedIdeas(prompt)
    }
    FileHandle.standardOutput.write(Data((server.baseURL + "\n").utf8))
    signal(SIGTERM) { _ in _exit(0) }
    signal(SIGINT) { _ in _exit(0) }
    if arguments.control {
        func reply(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
        while let command = readLine() {
            switch command.trimmingCharacters(in: .whitespaces) {
            case "stats":
                let busy = server.busyTime.components
                let milliseconds = Double(busy.seconds) * 1000 + Double(busy.attoseconds) * 1e-15
                reply(String(format: "busy_ms=%.3f requests=%d max_in_flight=%d", milliseconds, server.requestCount, server.maxInFlight))
            case "reset":
                server.resetStatistics()
                reply("ok")
            default:
                reply("unknown command")
            }
        }
        exit(0)
    }
    // Serve until a signal ends the process; the server runs on its own threads.
    while true { sleep(3600) }
} catch {
    StandardError.writeLine("polyphony-fake-server: \(error)")
    exit(64)
}
