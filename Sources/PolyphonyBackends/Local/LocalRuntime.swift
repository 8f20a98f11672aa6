import Foundation
import PolyphonyCore

/// Where the local model runtime lives: llama.cpp's `llama-server` binary and the GGUF model,
/// as `scripts/install-local-runtime.sh` builds and installs them.
///
/// Looked up from `POLYPHONY_LLAMA_SERVER` and `POLYPHONY_LOCAL_MODEL` in the environment,
/// then from `$POLYPHONY_CACHE/runtime.env` (default cache `~/.cache/polyphony`).
package struct LocalRuntime: Sendable, Equatable {
    /// The `llama-server` executable.
    package var server: String
    package var model: String
    /// The cache root, where server logs go.
    package var cache: String

    package init(server: String, model: String, cache: String) {
        self.server = server
        self.model = model
        self.cache = cache
    }

    /// Finds the installed runtime.
    /// - Throws: ``PolyphonyError`` saying how to install it when it is missing.
    package static func locate(environment: [String: String]) throws -> LocalRuntime {
        let cache = CacheLocation.root(environment: environment)
        var values: [String: String] = [:]
        let file = (cache as NSString).appendingPathComponent("runtime.env")
        if let text = try? String(contentsOfFile: file, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { values[parts[0].trimmingCharacters(in: .whitespaces)] = parts[1].trimmingCharacters(in: .whitespaces) }
            }
        }
        for key in ["POLYPHONY_LLAMA_SERVER", "POLYPHONY_LOCAL_MODEL"] {
            if let value = environment[key], !value.isEmpty { values[key] = value }
        }
        let install = "install it with `bash scripts/install-local-runtime.sh` (it compiles llama-server the first time, seconds after)"
        guard let server = values["POLYPHONY_LLAMA_SERVER"], FileManager.default.isExecutableFile(atPath: server) else {
            throw PolyphonyError.io("the local model runtime is not installed (no llama-server); \(install)", file: file)
        }
        guard let model = values["POLYPHONY_LOCAL_MODEL"], FileManager.default.fileExists(atPath: model) else {
            throw PolyphonyError.io("the local model file is missing; \(install)", file: file)
        }
        return LocalRuntime(server: server, model: model, cache: cache)
    }

    /// What identifies the model file's contents, so cached answers are not replayed for
    /// another file under the same alias: the SHA-256 the installer wrote beside it
    /// (`MODEL.sha256`), with the file's size and modification time, since a file replaced by
    /// hand leaves the old digest behind; for a file without a digest, its path, size and time.
    package var modelIdentity: String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: model)
        let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let sidecar = model + ".sha256"
        if let text = try? String(contentsOfFile: sidecar, encoding: .utf8) {
            let digest = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if digest.count == 64, digest.allSatisfy(\.isHexDigit) { return "sha256:\(digest):\(size):\(modified)" }
        }
        return "file:\(model):\(size):\(modified)"
    }
}
