import Foundation

/// Runs `body` with a fresh ``FakeLLMServer`` and stops the server afterwards, on success,
/// error or cancellation alike.
///
/// ```swift
/// try await withFakeLLMServer(options: .init(latency: .milliseconds(30))) { server in
///     try server.backendsYAML().write(toFile: dir + "/backends.yaml", atomically: true, encoding: .utf8)
///     // run `polyphony run --backends dir/backends.yaml …`, then inspect server.recordedRequests
/// }
/// ```
/// - Parameters:
///   - options: Latency, streaming shape, key checks and random faults.
///   - responder: Produces answer texts; defaults to ``FakeLLMServer/numberedIdeas(_:)``.
/// - Returns: Whatever `body` returns.
package func withFakeLLMServer<T>(
    options: FakeLLMServer.Options = FakeLLMServer.Options(),
    responder: @escaping FakeLLMServer.Responder = FakeLLMServer.numberedIdeas,
    _ body: (FakeLLMServer) async throws -> T
) async throws -> T {
    let server = try FakeLLMServer(options: options, responder: responder)
    defer { server.stop() }
    return try await body(server)
}
