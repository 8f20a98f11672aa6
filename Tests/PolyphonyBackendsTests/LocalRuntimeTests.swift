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
        #expect(runtime.modelIdentity == "sha256:" + digest)
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
}
