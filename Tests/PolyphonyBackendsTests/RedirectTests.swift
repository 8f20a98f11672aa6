import Foundation
import Synchronization
import PolyphonyBackends
import PolyphonyCore
import PolyphonyTestSupport
import Testing

/// A credential goes to `base_url`'s origin and nowhere else, whatever the server answers.
@Suite struct RedirectTests {
    static let key = "sk-redirect-probe-5b1e0c9d7a2f4836"

    /// A backend whose `base_url` is `redirector`, for `kind`, with a key.
    private func configuration(
        kind: BackendConfiguration.Kind, pointingAt redirector: LoopbackHTTPServer, like server: FakeLLMServer
    ) -> BackendConfiguration {
        var config = server.configuration(name: "moved-\(kind.rawValue)", kind: kind, apiKeyEnvironmentVariable: "REDIRECT_KEY")
        config.baseURL = redirector.baseURL + String(config.baseURL.dropFirst(server.baseURL.count))
        return config
    }

    /// Where each test's redirect points: another port, another scheme, another host name.
    enum Target: String, CaseIterable, Sendable {
        case otherPort, otherScheme, otherHostName

        func location(redirectorPort: Int, recorder: FakeLLMServer, target: String) -> String {
            switch self {
            case .otherPort: "\(recorder.baseURL)\(target)"
            case .otherScheme: "https://127.0.0.1:\(redirectorPort)\(target)"
            case .otherHostName: "http://localhost:\(redirectorPort)\(target)"
            }
        }
    }

    @Test(arguments: Fixtures.kinds, [false, true])
    func aCrossOriginRedirectIsRefusedAndTheOtherHostSeesNothing(kind: BackendConfiguration.Kind, streaming: Bool) async throws {
        try await Fixtures.withServer(.init(requiredAPIKey: Self.key)) { recorder in
            let redirector = try LoopbackHTTPServer { request, writer in
                writer.send(status: 307, headers: [("Location", recorder.baseURL + request.target)], text: "")
            }
            defer { redirector.stop() }
            let backend = try makeBackend(
                configuration(kind: kind, pointingAt: redirector, like: recorder), environment: ["REDIRECT_KEY": Self.key],
                cacheDirectory: nil
            )
            let error = await #expect(throws: PolyphonyError.backend) {
                if streaming {
                    _ = try await Fixtures.collect(backend.stream(Fixtures.prompt))
                } else {
                    _ = try await backend.complete(Fixtures.prompt)
                }
            }
            #expect(error?.isBackendFailure == true)
            #expect(error?.isRetryable == false)
            #expect(error?.backend == "moved-\(kind.rawValue)")
            #expect(error?.description.contains("http://127.0.0.1:\(recorder.port)") == true)
            #expect(redirector.requestCount == 1)
            #expect(recorder.requestCount == 0)
        }
    }

    @Test(arguments: Target.allCases)
    func aRedirectToAnotherSchemeHostOrPortIsNotFollowed(target: Target) async throws {
        try await Fixtures.withServer { recorder in
            let port = Mutex(0)
            let redirector = try LoopbackHTTPServer { request, writer in
                let location = target.location(redirectorPort: port.withLock { $0 }, recorder: recorder, target: request.target)
                writer.send(status: 308, headers: [("Location", location)], text: "")
            }
            defer { redirector.stop() }
            port.withLock { $0 = redirector.port }
            let backend = try makeBackend(
                configuration(kind: .openai, pointingAt: redirector, like: recorder), environment: ["REDIRECT_KEY": Self.key],
                cacheDirectory: nil
            )
            let error = await #expect(throws: PolyphonyError.backend) { try await backend.complete(Fixtures.prompt) }
            #expect(error?.status == 308)
            #expect(error?.isRetryable == false)
            #expect(redirector.requestCount == 1)
            #expect(recorder.requestCount == 0)
        }
    }

    @Test(arguments: [BackendConfiguration.Kind.openai, .ollama])
    func anEmbeddingRequestIsNotRedirectedToAnotherOrigin(kind: BackendConfiguration.Kind) async throws {
        try await Fixtures.withServer(.init(requiredAPIKey: Self.key)) { recorder in
            let redirector = try LoopbackHTTPServer { request, writer in
                writer.send(status: 302, headers: [("Location", recorder.baseURL + request.target)], text: "")
            }
            defer { redirector.stop() }
            let embedder = try makeEmbedder(
                configuration(kind: kind, pointingAt: redirector, like: recorder), environment: ["REDIRECT_KEY": Self.key]
            )
            let error = await #expect(throws: PolyphonyError.backend) { try await embedder.embed(["a quiet street"]) }
            #expect(error?.isRetryable == false)
            #expect(recorder.requestCount == 0)
        }
    }

    @Test(arguments: [false, true])
    func aSameOriginRedirectIsFollowedWithMethodHeadersAndBody(streaming: Bool) async throws {
        let seen = Mutex<[LoopbackRequest]>([])
        let server = try LoopbackHTTPServer { request, writer in
            seen.withLock { $0.append(request) }
            guard request.path.hasPrefix("/moved") else {
                writer.send(status: 307, headers: [("Location", "/moved" + request.target)], text: "")
                return
            }
            let content = #"{"role":"assistant","content":"1. Lanterns"}"#
            if streaming {
                writer.beginStream(status: 200, headers: [("Content-Type", "text/event-stream")])
                writer.write(#"data: {"choices":[{"index":0,"delta":\#(content),"finish_reason":"stop"}]}"# + "\n\n")
                writer.write("data: [DONE]\n\n")
                writer.finish()
            } else {
                writer.send(
                    status: 200, headers: [("Content-Type", "application/json")],
                    text: #"{"model":"m","choices":[{"index":0,"message":\#(content),"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2}}"#
                )
            }
        }
        defer { server.stop() }
        let config = BackendConfiguration(
            name: "same-origin", kind: .openai, baseURL: server.baseURL + "/v1", model: "m", apiKeyEnvironmentVariable: "REDIRECT_KEY",
            maxAttempts: 1
        )
        let backend = try makeBackend(config, environment: ["REDIRECT_KEY": Self.key], cacheDirectory: nil)
        let text: String?
        if streaming {
            text = try await Fixtures.collect(backend.stream(Fixtures.prompt)).response?.text
        } else {
            text = try await backend.complete(Fixtures.prompt).text
        }
        #expect(text == "1. Lanterns")
        let requests = seen.withLock { $0 }
        try #require(requests.count == 2)
        #expect(requests[1].path == "/moved/v1/chat/completions")
        #expect(requests[1].method == "POST")
        #expect(requests[1].body == requests[0].body)
        #expect(!requests[1].body.isEmpty)
        #expect(requests[1].header("authorization") == "Bearer \(Self.key)")
    }

    /// No proxy is ever handed the key: an http base_url goes direct even when the
    /// environment names a proxy. Run as a child process, since the proxy variables are
    /// read from the environment of the process that sends.
    @Test func anHTTPProxyInTheEnvironmentNeverSeesTheKey() async throws {
        try await Fixtures.withServer(.init(requiredAPIKey: Self.key)) { server in
            let proxy = try LoopbackHTTPServer { _, writer in writer.send(status: 502, text: "proxy") }
            defer { proxy.stop() }
            let folder = try Fixtures.scratchDirectory()
            defer { try? FileManager.default.removeItem(atPath: folder) }
            try server.backendsYAML(kinds: [.openai], apiKeyEnvironmentVariable: "REDIRECT_KEY")
                .write(toFile: folder + "/backends.yaml", atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = BuiltExecutable.url(named: "polyphony")
            process.arguments = ["backends", "check", "--backends", folder + "/backends.yaml"]
            var environment = ProcessInfo.processInfo.environment
            for name in ["http_proxy", "HTTP_PROXY", "ALL_PROXY", "all_proxy"] { environment[name] = proxy.baseURL }
            environment["NO_PROXY"] = nil
            environment["no_proxy"] = nil
            environment["REDIRECT_KEY"] = Self.key
            // The built-in entries are checked too and fail here (no keys, no local runtime);
            // what matters is where the openai entry's request went.
            environment["POLYPHONY_CACHE"] = folder + "/cache"
            environment["POLYPHONY_LLAMA_SERVER"] = nil
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(proxy.requestCount == 0)
            #expect(server.requestCount >= 1)
        }
    }

    @Test func aRedirectLoopWithinTheOriginStopsWithAnError() async throws {
        let server = try LoopbackHTTPServer { request, writer in
            writer.send(status: 307, headers: [("Location", request.target)], text: "")
        }
        defer { server.stop() }
        let config = BackendConfiguration(name: "loop", kind: .openai, baseURL: server.baseURL + "/v1", model: "m", maxAttempts: 1)
        let backend = try makeBackend(config, environment: [:], cacheDirectory: nil)
        let error = await #expect(throws: PolyphonyError.backend) { try await backend.complete(Fixtures.prompt) }
        #expect(error?.isBackendFailure == true)
        #expect(server.requestCount == 6)
    }
}
