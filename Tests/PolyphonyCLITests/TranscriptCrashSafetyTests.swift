import Foundation
import PolyphonyCore
import Testing

@Suite struct TranscriptCrashSafetyTests {
    /// Kills a writer with SIGKILL at varied moments; every complete line must still read back.
    @Test(arguments: [15, 40, 70, 110, 160, 230, 320, 450])
    func everyCompleteEventSurvivesSIGKILLAtAnyMoment(delayMilliseconds: Int) async throws {
        let folder = try TemporaryFolder()
        let file = folder.path + "/killed.jsonl"
        // Many more events than can be written before the kill; an orphaned writer stops on its own.
        let writer = try CLIHarness.start(["transcript", "append-demo", file, "--events", "100000", "--parent-pid", "\(getpid())"])
        // Start the clock once the writer is writing, so the kill lands mid-stream however
        // long the process took to start (the bound is a hang guard, not a measurement).
        let deadline = ContinuousClock.now + .seconds(120)
        while (try? Data(contentsOf: URL(fileURLWithPath: file)))?.contains(0x0A) != true, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        try await Task.sleep(for: .milliseconds(delayMilliseconds))
        kill(writer.processIdentifier, SIGKILL)
        await CLIHarness.wait(writer)
        #expect(writer.terminationReason == .uncaughtSignal)

        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let completeLines = bytes.filter { $0 == 0x0A }.count
        try #require(completeLines >= 1, "the writer had not written its header yet; raise the delay")

        let result = try await CLIHarness.run(["transcript", "validate", "--json", file])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(report?["events"] as? Int == completeLines)
        #expect(report?["end_status"] is NSNull)
        let endsMidLine = bytes.last != 0x0A
        let warnings = report?["warnings"] as? [String] ?? []
        #expect(warnings.contains { $0.contains("cut off mid-write") } == endsMidLine)
    }

    /// A writer whose parent died (a test process killed mid-run) stops on its own, instead of
    /// appending its 100,000 events (960 MB) to a scratch folder.
    @Test func anOrphanedWriterStopsInsteadOfFillingTheDisk() async throws {
        // The shell waits until the writer has written (so it knew its parent), then exits.
        try await Self.expectOrphanStops(afterStart: "while [ ! -s \"$1\" ]; do sleep 0.01; done;")
    }

    /// A writer whose parent is gone by the time it runs (its parent at start is then init or
    /// a subreaper, not the process that started it) stops too: the caller names itself.
    @Test func aWriterWhoseParentDiedBeforeItStartedStopsOnItsOwn() async throws {
        try await Self.expectOrphanStops(afterStart: "")
    }

    /// Starts a writer from a shell that runs `afterStart` and exits, orphaning it, and expects
    /// the writer to stop long before its last event.
    private static func expectOrphanStops(afterStart: String) async throws {
        let folder = try TemporaryFolder()
        let file = folder.path + "/orphan.jsonl"
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = [
            "-c", "\"$0\" transcript append-demo \"$1\" --events 100000 --parent-pid $$ >/dev/null 2>&1 & pid=$!; \(afterStart) echo $pid",
            CLIHarness.binary.path, file,
        ]
        let output = Pipe()
        shell.standardOutput = output
        try shell.run()
        let pidText = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        await CLIHarness.wait(shell)
        let pid = try #require(pid_t(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { kill(pid, SIGKILL) }
        // A hang guard, not a measurement: the writer checks its parent before every event.
        let deadline = ContinuousClock.now + .seconds(300)
        while isRunning(pid), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(!isRunning(pid), "the orphaned writer is still appending")
        let lines = (try? Data(contentsOf: URL(fileURLWithPath: file)))?.filter { $0 == 0x0A }.count ?? 0
        #expect(lines < 100_000)
    }

    /// Alive and not a zombie waiting for a parent that does not reap.
    private static func isRunning(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return !stat[close...].dropFirst(2).hasPrefix("Z")
    }
}
