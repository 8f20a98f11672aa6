import Foundation
import InMemoryLogging
import Logging
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// What backends tell the logger they are given: failed attempts, backoff and cache hits.
@Suite struct BackendLoggingTests {
    /// A logger that keeps everything from `level` up, and the handler to read it back.
    static func capturing(_ level: Logger.Level = .debug) -> (Logger, InMemoryLogHandler) {
        var handler = InMemoryLogHandler()
        handler.logLevel = level
        let configured = handler
        return (Logger(label: "test", factory: { _ in configured }), configured)
    }

    @Test func aRetriedRequestLogsTheFailedAttemptAndTheRetryWithBackendAndAttempt() async throws {
        try await Fixtures.withServer { server in
            let (logger, handler) = Self.capturing()
            let config = server.configuration(name: "fake-openai", kind: .openai)
            let backend = try HTTPChatBackend(configuration: config, apiKey: nil, logger: logger)
            server.inject(.serverError)
            let response = try await backend.complete(Fixtures.prompt)
            #expect(response.attempts == 2)
            let failed = handler.entries.filter { $0.message.description.hasPrefix("attempt failed") }
            #expect(failed.count == 1)
            #expect(failed.first?.level == .info)
            #expect(failed.first?.metadata["backend"] == "fake-openai")
            #expect(failed.first?.metadata["attempt"] == "1")
            #expect(failed.first?.metadata["status"] == "500")
            let retry = handler.entries.filter { $0.message.description.hasPrefix("retrying") }
            #expect(retry.count == 1)
            #expect(retry.first?.metadata["backend"] == "fake-openai")
            #expect(retry.first?.metadata["attempt"] == "2")
        }
    }

    @Test func aRequestThatSucceedsAtOnceLogsNothingAtInfo() async throws {
        try await Fixtures.withServer { server in
            let (logger, handler) = Self.capturing(.info)
            let backend = try HTTPChatBackend(configuration: server.configuration(name: "fake-openai", kind: .openai), apiKey: nil, logger: logger)
            _ = try await backend.complete(Fixtures.prompt)
            #expect(handler.entries.isEmpty)
        }
    }

    @Test func aCacheHitIsLoggedAtDebugAndAMissIsNot() async throws {
        try await Fixtures.withServer { server in
            let (logger, handler) = Self.capturing()
            let directory = try Fixtures.scratchDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let backend = try makeBackend(
                server.configuration(name: "fake-openai", kind: .openai), environment: [:], cacheDirectory: directory, logger: logger)
            _ = try await backend.complete(Fixtures.prompt)
            #expect(!handler.entries.contains { $0.message.description == "response cache hit" })
            let second = try await backend.complete(Fixtures.prompt)
            #expect(second.cached == true)
            let hits = handler.entries.filter { $0.message.description == "response cache hit" }
            #expect(hits.count == 1)
            #expect(hits.first?.level == .debug)
            #expect(hits.first?.metadata["backend"] == "fake-openai")
        }
    }
}
