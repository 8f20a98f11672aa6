import Foundation
import PolyphonyCore
import PolyphonyTestSupport
import Synchronization
import Testing

/// Holds the fake server's answer to one request until the test releases it, so a test can
/// keep a `polyphony run` inside a turn (its transcript open) for exactly as long as it needs.
final class HoldAtRequest: Sendable {
    private let state = Mutex<(requests: Int, entered: Bool)>((0, false))
    private let request: Int
    private let gate = DispatchSemaphore(value: 0)

    init(atRequest request: Int) {
        self.request = request
    }

    /// Answers like ``FakeLLMServer/numberedIdeas(_:)``; the `request`-th answer waits for ``release()``.
    var responder: FakeLLMServer.Responder {
        { [self] prompt in
            let count = state.withLock { state in
                state.requests += 1
                if state.requests == request { state.entered = true }
                return state.requests
            }
            if count == request { gate.wait() }
            return FakeLLMServer.numberedIdeas(prompt)
        }
    }

    /// Waits until the held request has arrived; the bound is a hang guard, not a measurement.
    func waitUntilHeld() async throws {
        let deadline = ContinuousClock.now + .seconds(600)
        while !state.withLock({ $0.entered }) {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Lets the held answer go.
    func release() {
        gate.signal()
    }
}

/// One writer per transcript: real `polyphony run` processes racing for one file.
@Suite struct TranscriptLockTests {
    /// The held answer must outlast however long a starved machine takes to start the second
    /// process: with the default 120 s first-byte timeout a CI run under load retried the held
    /// request, the first run finished, and the second found a finished transcript instead.
    private static func patientBackendsYAML(_ server: FakeLLMServer) -> String {
        server.backendsYAML(kinds: [.openai])
            .replacingOccurrences(of: "    max_attempts: 3\n", with: "    max_attempts: 1\n    first_byte_timeout: 3600\n    timeout: 7200\n")
    }

    private static func sessionYAML() -> String {
        RunCommandTests.sessionYAML(protocol: "round-robin", rounds: 2, participants: ["hci-mid", "generalist-tinkerer"])
    }

    /// Runs `arguments` while `first` is held inside a turn, then lets `first` finish: the
    /// second process exits 1 at once with one line naming the transcript and the holder's
    /// pid, and `first` completes.
    private static func expectRefusedWhileHeld(
        _ arguments: [String], first: Process, hold: HoldAtRequest, transcript: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let second = try await CLIHarness.run(arguments)
        hold.release()
        await CLIHarness.wait(first)

        #expect(second.status == 1, "\(second.stderr)", sourceLocation: sourceLocation)
        #expect(second.stderr.split(separator: "\n").count == 1, "\(second.stderr)", sourceLocation: sourceLocation)
        #expect(second.stderr.contains(transcript), sourceLocation: sourceLocation)
        #expect(second.stderr.contains("pid \(first.processIdentifier)"), "\(second.stderr)", sourceLocation: sourceLocation)
        #expect(first.terminationStatus == 0, sourceLocation: sourceLocation)
    }

    @Test func aSecondRunOntoATranscriptBeingWrittenExitsAtOnceNamingTheFileAndTheHolder() async throws {
        let hold = HoldAtRequest(atRequest: 1)
        let server = try FakeLLMServer(responder: hold.responder)
        defer { server.stop() }
        let workspace = try RunCommandTests.Workspace(server: server, session: Self.sessionYAML())
        try workspace.folder.write("backends.yaml", Self.patientBackendsYAML(server))
        let first = try CLIHarness.start(workspace.arguments + ["--quiet"])
        try await hold.waitUntilHeld()

        try await Self.expectRefusedWhileHeld(workspace.arguments + ["--quiet"], first: first, hold: hold, transcript: workspace.transcript)
        let events = try workspace.events()
        #expect(events.filter { if case .session = $0 { true } else { false } }.count == 1)
        #expect(events.turns.count == 4)
        let validate = try await CLIHarness.run(["transcript", "validate", workspace.transcript])
        #expect(validate.status == 0, "\(validate.stderr)")
    }

    @Test func aSecondResumeOfATranscriptBeingResumedExitsAtOnceAndEveryTurnStaysUnique() async throws {
        // First an interrupted session: SIGINT while the second request is answered.
        let interrupt = SignalOnRequest(SIGINT, atRequest: 2)
        let recorder = try FakeLLMServer(options: .init(latency: .milliseconds(100)), responder: interrupt.responder)
        defer { recorder.stop() }
        let workspace = try RunCommandTests.Workspace(server: recorder, session: Self.sessionYAML())
        let interrupted = try CLIHarness.start(workspace.arguments + ["--quiet"])
        interrupt.target(interrupted.processIdentifier)
        await CLIHarness.wait(interrupted)
        try #require(interrupted.terminationStatus == 130)

        // Then two resumes of it: the first held inside its first request.
        let hold = HoldAtRequest(atRequest: 1)
        let server = try FakeLLMServer(responder: hold.responder)
        defer { server.stop() }
        try workspace.folder.write("backends.yaml", Self.patientBackendsYAML(server))
        let resume = ["run", "--resume", workspace.transcript, "--backends", workspace.folder.path + "/backends.yaml", "--no-cache", "--quiet"]
        let first = try CLIHarness.start(resume)
        try await hold.waitUntilHeld()

        try await Self.expectRefusedWhileHeld(resume, first: first, hold: hold, transcript: workspace.transcript)
        let events = try workspace.events()
        #expect(events.turns.count == 4)
        #expect(Set(events.turns.map(\.index)).count == 4)
        #expect(events.compactMap { if case .end(let end) = $0, end.status == .completed { end } else { nil } }.count == 1)
        let validate = try await CLIHarness.run(["transcript", "validate", workspace.transcript])
        #expect(validate.status == 0, "\(validate.stderr)")
    }
}
