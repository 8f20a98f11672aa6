import Foundation
import PolyphonyBackends
import PolyphonyTestSupport
import Testing

/// What names a local model's weights, so a replaced GGUF file under the same alias is not
/// answered from cached responses of the old one.
@Suite struct LocalRuntimeTests {
    @Test func theModelIdentityIsTheInstallersDigestWhenOneIsBesideTheFile() throws {
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = directory + "/m.gguf"
        try Data("weights".utf8).write(to: URL(fileURLWithPath: model))
        let digest = String(repeating: "ab", count: 32)
        try Data((digest + "\n").utf8).write(to: URL(fileURLWithPath: model + ".sha256"))
        let runtime = LocalRuntime(server: "/bin/true", model: model, cache: directory)
        #expect(runtime.modelIdentity.hasPrefix("sha256:" + digest + ":"))
    }

    @Test func aModelFileReplacedByHandBesideTheInstallersDigestGetsANewIdentity() throws {
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = directory + "/m.gguf"
        try Data("old weights".utf8).write(to: URL(fileURLWithPath: model))
        try Data((String(repeating: "ab", count: 32) + "\n").utf8).write(to: URL(fileURLWithPath: model + ".sha256"))
        let runtime = LocalRuntime(server: "/bin/true", model: model, cache: directory)
        let before = runtime.modelIdentity
        try Data("completely different weights".utf8).write(to: URL(fileURLWithPath: model))
        #expect(runtime.modelIdentity != before)
    }

    @Test func aModelFileWithoutADigestIsIdentifiedByItsSizeAndTimeSoReplacingItChangesTheIdentity() throws {
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = directory + "/m.gguf"
        try Data("weights".utf8).write(to: URL(fileURLWithPath: model))
        let runtime = LocalRuntime(server: "/bin/true", model: model, cache: directory)
        let before = runtime.modelIdentity
        try Data("other weights".utf8).write(to: URL(fileURLWithPath: model))
        #expect(runtime.modelIdentity != before)
    }

    @Test func aLocalEntrysEmbeddingsCacheUnderTheModelFilesIdentitySoAReplacedFileIsNotServedTheOldVectors() async throws {
        let directory = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = directory + "/m.gguf"
        try Data("weights".utf8).write(to: URL(fileURLWithPath: model))
        let environment = ["POLYPHONY_LLAMA_SERVER": "/bin/true", "POLYPHONY_LOCAL_MODEL": model, "POLYPHONY_CACHE": directory]
        let file = BackendsFile(entries: [BackendConfiguration(name: "llama", kind: .local, baseURL: "", model: "smol")], path: nil)
        func cacheKey() async throws -> String {
            try await withLocalModelServers(environment: environment) { servers in
                try BackendSet(file: file, environment: environment, cacheDirectory: nil, localServers: servers).embedder(named: "llama").cacheKey
            }
        }
        try Data((String(repeating: "ab", count: 32) + "\n").utf8).write(to: URL(fileURLWithPath: model + ".sha256"))
        let before = try await cacheKey()
        #expect(before.hasPrefix("llama/smol@sha256:" + String(repeating: "ab", count: 32) + ":"))
        try Data((String(repeating: "cd", count: 32) + "\n").utf8).write(to: URL(fileURLWithPath: model + ".sha256"))
        #expect(try await cacheKey() != before)
    }
}
