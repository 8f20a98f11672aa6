// polyphony-fake-server: the tests' fake LLM server as a process of its own, for checks that
// drive the real `polyphony` binary from a shell (the tmux test of the human seat) and for
// measuring against an out-of-process server. Never part of the `polyphony` product.
//
//   polyphony-fake-server [--latency-ms N] [--chunk-delay-ms N] [--pieces N] [--log FILE] [--control] [--event-loop]
//
// Prints its base URL (`http://127.0.0.1:PORT`) on the first line of stdout, then serves
// every dialect of FakeLLMServer until it gets SIGTERM or SIGINT. With --log,
// each chat request's last user message is appended to FILE as one JSON line. With --control
// it reads commands from stdin, one a line, for benchmarks that measure the client alone:
// `stats` prints `busy_ms=B requests=N max_in_flight=M cpu_ms=C` (busy: the time at least one
// request was being answered; cpu: this process's user + system time since the last reset), `reset` zeroes them
// and prints `ok`; it exits when stdin closes (a parent started with Foundation's Process may
// have SIGTERM blocked in the child).
//
// By default every connection gets a thread that sleeps out the latency (FakeLLMServer, as in
// the tests). --event-loop serves all connections from one thread with timers instead
// (EventLoopHTTPServer), so the server costs a benchmark's machine little; streamed answers
// then arrive whole, so it refuses --chunk-delay-ms.
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
    var eventLoop = false

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
            case "--event-loop": eventLoop = true
            case "--log":
                guard let path = rest.popFirst() else { throw UsageError("--log needs a file") }
                log = path
            default: throw UsageError("unknown argument \(word)")
            }
        }
        if eventLoop, chunkDelay > .zero { throw UsageError("--event-loop sends each answer whole; it cannot pause between chunks") }
    }
}

/// What the control commands read and reset, on either server.
protocol ServedStatistics: AnyObject {
    var baseURL: String { get }
    var busyTime: Duration { get }
    var requestCount: Int { get }
    var maxInFlight: Int { get }
    func resetStatistics()
}

extension FakeLLMServer: ServedStatistics {}
extension EventLoopHTTPServer: ServedStatistics {}

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
    let responder: FakeLLMServer.Responder = { prompt in
        if let logHandle, let line = try? JSONSerialization.data(withJSONObject: ["user": prompt.lastUserMessage]) {
            logLock.lock()
            logHandle.write(line + Data("\n".utf8))
            logLock.unlock()
        }
        return FakeLLMServer.numberedIdeas(prompt)
    }
    let server: any ServedStatistics
    if arguments.eventLoop {
        // The loop adds the latency with a timer; the service must answer at once.
        // Nothing here reads the requests back (--log writes what is asked for), so none is kept.
        let service = FakeLLMService(options: .init(streamPieces: arguments.pieces), responder: responder, keepsRecord: false)
        server = try EventLoopHTTPServer(delay: arguments.latency) { request, writer in service.handle(request, writer) }
    } else {
        server = try FakeLLMServer(
            options: .init(latency: arguments.latency, streamChunkDelay: arguments.chunkDelay, streamPieces: arguments.pieces),
            responder: responder
        )
    }
    FileHandle.standardOutput.write(Data((server.baseURL + "\n").utf8))
    signal(SIGTERM) { _ in _exit(0) }
    signal(SIGINT) { _ in _exit(0) }
    if arguments.control {
        func reply(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
        func cpuMilliseconds() -> Double {
            var usage = rusage()
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000
        }
        var cpuAtReset = cpuMilliseconds()
        while let command = readLine() {
            switch command.trimmingCharacters(in: .whitespaces) {
            case "stats":
                let busy = server.busyTime.components
                let milliseconds = Double(busy.seconds) * 1000 + Double(busy.attoseconds) * 1e-15
                reply(String(format: "busy_ms=%.3f requests=%d max_in_flight=%d cpu_ms=%.3f", milliseconds, server.requestCount, server.maxInFlight, cpuMilliseconds() - cpuAtReset))
            case "reset":
                server.resetStatistics()
                cpuAtReset = cpuMilliseconds()
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
