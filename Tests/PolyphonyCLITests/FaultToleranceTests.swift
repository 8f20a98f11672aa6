import Foundation
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// A session rides out a server that fails one request in five, in every way a provider
/// fails, and records each turn exactly once.
@Suite struct FaultToleranceTests {
    static let agents = [
        "hci-mid", "generalist-tinkerer", "education-mid", "ecology-junior", "generalist-curious", "public-health-senior",
    ]

    /// Brainwriting runs its phases in parallel without streaming; round-robin runs them one
    /// speaker at a time, streamed.
    @Test(arguments: ["brainwriting", "round-robin"])
    func aSessionAgainstAServerFailingOneRequestInFiveRecordsEveryTurnExactlyOnce(protocolName: String) async throws {
        let server = try FakeLLMServer(options: .init(randomFaultRate: 0.2, randomFaultSeed: 20_261_202))
        defer { server.stop() }
        // One of each kind of fault first, so every kind is met whatever the random draws are.
        for fault in [FakeLLMFault.rateLimited(retryAfter: "1"), .serverError, .dropStreamHalfway, .malformedJSON, .overloaded] {
            server.inject(fault)
        }
        let workspace = try RunCommandTests.Workspace(
            server: server,
            session: RunCommandTests.sessionYAML(protocol: protocolName, rounds: 3, participants: Self.agents + ["human"])
        )
        // Eight attempts: a request fails for good with probability 0.2^8, about 3 in a million.
        _ = try workspace.folder.write("backends.yaml", server.backendsYAML(kinds: [.openai]).replacingOccurrences(of: "max_attempts: 3", with: "max_attempts: 8"))
        let typed = "Shade sails over bus stops\n\nMisting at tram stops\n\nCool roofs for schools\n\n"
        let result = try await CLIHarness.run(workspace.arguments + ["--quiet"], stdin: typed)
        #expect(result.status == 0, "\(result.stderr)")

        let events = try workspace.events()
        let turns = events.turns
        #expect(turns.count == 3 * 7)
        let keys = turns.map { "\($0.round)/\($0.phase)/\($0.speaker)" }
        #expect(Set(keys).count == keys.count, "a turn was recorded twice: \(keys)")
        #expect(turns.map(\.index) == Array(0..<turns.count))
        for round in 1...3 {
            #expect(Set(turns.filter { $0.round == round }.map(\.speaker)) == Set(Self.agents + ["human"]))
        }
        #expect(events.ideas.filter { $0.author == "human" }.map(\.text) == ["Shade sails over bus stops", "Misting at tram stops", "Cool roofs for schools"])
        // The faults really happened, and were retried rather than recorded.
        #expect(turns.contains { ($0.attempts ?? 1) > 1 })
        #expect(server.recordedRequests.filter { $0.fault != nil }.count > 5)
        let check = try await CLIHarness.run(["transcript", "validate", workspace.transcript])
        #expect(check.status == 0, "\(check.stderr)")
    }
}
