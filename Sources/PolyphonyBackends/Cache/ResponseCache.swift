import Foundation
import PolyphonyCore

/// A content-addressed, on-disk store of chat responses, so re-running an experiment costs
/// nothing and returns the very same answers.
///
/// The key is the SHA-256 of a canonical JSON document holding everything that decides an
/// answer: backend kind, model, messages, sampling settings and seed. Nothing secret is in
/// it: keys, base URLs and headers are not part of a request. Entries live at
/// `DIR/ab/abcdef….json`; writes go to a temporary file and are renamed into place, so
/// concurrent runs never see half an entry.
public struct ResponseCache: Sendable {
    /// The directory entries are stored under.
    public let directory: String

    /// - Parameter directory: Created on first write when missing.
    public init(directory: String) {
        self.directory = directory
    }

    /// Where responses are cached unless told otherwise: `responses/` under the cache root
    /// (``CacheLocation/root(environment:)``).
    public static func defaultDirectory(environment: [String: String]) -> String {
        CacheLocation.folder("responses", environment: environment)
    }

    /// The cache folder a command uses: none with `--no-cache`, else `--cache-dir`, else the default.
    public static func directory(disabled: Bool, explicit: String? = nil, environment: [String: String]) -> String? {
        disabled ? nil : (explicit ?? defaultDirectory(environment: environment))
    }

    /// The cache key of `request` when sent to a backend of `kind` asking for `model`.
    public static func key(for request: ChatRequest, kind: BackendConfiguration.Kind, model: String) -> String {
        let document = CanonicalRequest(
            version: 1, kind: kind.rawValue, model: model, messages: request.messages,
            temperature: request.temperature, maxTokens: request.maxTokens, seed: request.seed,
            stop: request.stop, jsonSchema: request.jsonSchema
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(document)) ?? Data()
        return SHA256.hex(data)
    }

    /// The path an entry with `key` lives at.
    public func path(forKey key: String) -> String {
        (directory as NSString).appendingPathComponent("\(key.prefix(2))/\(key).json")
    }

    /// The stored response for `key`, or `nil` when there is none or it cannot be read
    /// (a damaged entry counts as a miss and is overwritten by the next store).
    public func lookup(_ key: String) -> ChatResponse? {
        guard let data = FileManager.default.contents(atPath: path(forKey: key)),
              let entry = try? JSONDecoder().decode(Entry.self, from: data), entry.key == key
        else { return nil }
        return entry.response
    }

    /// Stores `response` under `key`.
    /// - Throws: ``PolyphonyError/io(_:file:)`` when the directory or file cannot be written.
    public func store(_ response: ChatResponse, forKey key: String) throws {
        let target = path(forKey: key)
        let folder = (target as NSString).deletingLastPathComponent
        let data: Data
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            data = try encoder.encode(Entry(key: key, response: response))
        } catch {
            throw PolyphonyError.io("cannot write cache entry: \(error.localizedDescription)", file: target)
        }
        // A cache entry is cheap to lose: no fsync, but never half an entry.
        try AtomicFile.write(data, to: target, durable: false)
    }

    private struct Entry: Codable {
        var key: String
        var response: ChatResponse
    }

    private struct CanonicalRequest: Codable {
        var version: Int
        var kind: String
        var model: String
        var messages: [ChatMessage]
        var temperature: Double?
        var maxTokens: Int?
        var seed: UInt64?
        var stop: [String]
        var jsonSchema: JSONValue?
    }
}
