import Foundation
import PolyphonyCore
import Testing

@Suite struct TranscriptCrashSafetyTests {
    /// Kills a writer with SIGKILL at varied moments; every complete line must still read back.
    @Test(arguments: [15, 40, 70, 110, 160, 230, 320, 450])
    func everyCompleteEventSurvivesSIGKILLAtAnyMoment(delayMilliseconds: Int) async throws {
        let folder = try TemporaryFolder()
        let file = folder.path + "/killed.jsonl"
        let writer = try CLIHarness.start(["transcript", "append-demo", file])
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
}
