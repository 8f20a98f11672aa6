import Foundation
import PolyphonyCore

extension MiniLMEmbedder {
    /// The model's folder name inside the cache: `all-MiniLM-L6-v2`.
    public static let modelName = "all-MiniLM-L6-v2"
    /// The environment variable that points at a weights folder: `POLYPHONY_MINILM_DIR`.
    public static let directoryVariable = "POLYPHONY_MINILM_DIR"
    /// The files a weights folder must hold.
    public static let requiredFiles = ["model.safetensors", "tokenizer.json"]

    /// Where `scripts/install-minilm.sh` puts the weights: `models/all-MiniLM-L6-v2` under the
    /// cache root (``CacheLocation/root(environment:)``).
    public static func cacheDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        URL(fileURLWithPath: CacheLocation.root(environment: environment)).appendingPathComponent("models").appendingPathComponent(modelName).path
    }

    /// Finds the weights folder: `explicit` if given, else `$POLYPHONY_MINILM_DIR`, else
    /// ``cacheDirectory(environment:)``. The first of these that is set is the only one tried.
    /// - Parameters:
    ///   - explicit: A folder the user named, e.g. on the command line.
    ///   - environment: The variables to read; the process's own by default.
    /// - Returns: The folder's path; it holds every file in ``requiredFiles``.
    /// - Throws: `PolyphonyError.io` naming the folder and the missing file, and saying how to
    ///   install the weights.
    public static func locate(
        _ explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> String {
        let (directory, source): (String, String)
        if let explicit, !explicit.isEmpty {
            (directory, source) = (explicit, "the given MiniLM folder")
        } else if let variable = environment[directoryVariable], !variable.isEmpty {
            (directory, source) = (variable, "$\(directoryVariable)")
        } else {
            (directory, source) = (cacheDirectory(environment: environment), "the MiniLM cache folder")
        }
        for file in requiredFiles {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(file).path
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw PolyphonyError.io(
                    "\(source) has no readable \(file); install the weights with `bash scripts/install-minilm.sh`, or set \(directoryVariable) to a folder holding \(requiredFiles.joined(separator: " and "))",
                    file: directory
                )
            }
        }
        return directory
    }

    /// Finds the weights with ``locate(_:environment:)`` and loads them.
    /// - Throws: `PolyphonyError` when the folder is missing or its files are malformed.
    public static func load(
        _ explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> MiniLMEmbedder {
        try MiniLMEmbedder(directory: locate(explicit, environment: environment))
    }
}
