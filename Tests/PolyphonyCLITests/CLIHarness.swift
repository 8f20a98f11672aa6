import Foundation
import PolyphonyTestSupport
import Synchronization

/// Runs the built `polyphony` binary as a user would and captures what it prints.
struct CLIHarness {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `polyphony` binary next to the test bundle in the build folder.
    static var binary: URL { BuiltExecutable.url(named: "polyphony") }

    /// Starts `polyphony ARGS` without waiting for it.
    /// - Parameter environment: Variables set over this process's own.
    static func start(
        _ arguments: [String], currentDirectory: String? = nil, stdout: Any? = nil, stderr: Any? = nil,
        environment: [String: String] = [:]
    ) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, set in set }
        }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        process.standardOutput = stdout ?? FileHandle.nullDevice
        process.standardError = stderr ?? FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Waits for `process` on a thread of its own: blocking a thread of the cooperative pool
    /// (two on this machine) would stall every other async test in the process.
    static func wait(_ process: Process) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiter = Thread {
                process.waitUntilExit()
                continuation.resume()
            }
            waiter.start()
        }
    }

    /// Reads `handle` on a thread of its own (a blocking read on the cooperative pool would stall
    /// other tests) until what was read, after `buffer`, satisfies `isDone` or the input ends.
    /// - Returns: `buffer` and everything read.
    static func read(_ handle: FileHandle, after buffer: String = "", until isDone: @escaping @Sendable (String) -> Bool) async -> String {
        await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            let reader = Thread {
                var text = buffer
                while !isDone(text) {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    text += String(decoding: chunk, as: UTF8.self)
                }
                continuation.resume(returning: text)
            }
            reader.start()
        }
    }

    /// Runs `polyphony ARGS` to the end.
    /// - Parameter environment: Variables set (or, with an empty value, cleared) over this process's own.
    static func run(
        _ arguments: [String], currentDirectory: String? = nil, stdin: String? = nil, environment: [String: String] = [:]
    ) async throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if !environment.isEmpty {
            var merged = ProcessInfo.processInfo.environment
            for (name, value) in environment { merged[name] = value.isEmpty ? nil : value }
            process.environment = merged
        }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let outFile = try TemporaryFolder().path + "/out"
        let errFile = outFile + ".err"
        _ = FileManager.default.createFile(atPath: outFile, contents: nil)
        _ = FileManager.default.createFile(atPath: errFile, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outFile))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errFile))
        process.standardOutput = out
        process.standardError = err
        if let stdin {
            let pipe = Pipe()
            process.standardInput = pipe
            try process.run()
            // A command that exits before reading its input closes the pipe: the write then
            // fails (EPIPE), which is no failure of the test; its exit status and output say why.
            try? pipe.fileHandleForWriting.write(contentsOf: Data(stdin.utf8))
            try? pipe.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
        await wait(process)
        try out.close()
        try err.close()
        return Result(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? ""
        )
    }
}

/// A fresh folder under the system temporary directory.
struct TemporaryFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "polyphony-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` inside the folder and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = (path as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
}

/// Sends a signal to a process while the fake server answers its `request`-th request, so a
/// test interrupts a session mid-request however loaded the machine is.
final class SignalOnRequest: Sendable {
    private let state = Mutex<(pid: Int32, requests: Int)>((0, 0))
    private let signal: Int32
    private let request: Int
    private let delayMilliseconds: Int

    init(_ signal: Int32, atRequest request: Int, afterMilliseconds delayMilliseconds: Int = 0) {
        self.signal = signal
        self.request = request
        self.delayMilliseconds = delayMilliseconds
    }

    /// The process to signal; 0 disarms.
    func target(_ pid: Int32) {
        state.withLock { $0.pid = pid }
    }

    /// Answers like ``FakeLLMServer/numberedIdeas(_:)`` and fires the signal on its request.
    var responder: FakeLLMServer.Responder {
        { [self] prompt in
            let (pid, count) = state.withLock { state in
                state.requests += 1
                return (state.pid, state.requests)
            }
            if count == request, pid > 0 {
                if delayMilliseconds > 0 { Thread.sleep(forTimeInterval: Double(delayMilliseconds) / 1000) }
                kill(pid, signal)
            }
            return FakeLLMServer.numberedIdeas(prompt)
        }
    }
}
