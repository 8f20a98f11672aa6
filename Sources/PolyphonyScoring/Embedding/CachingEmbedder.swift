import Foundation
import PolyphonyCore
import Synchronization

/// Wraps an embedder with an on-disk cache keyed by (the embedder's ``Embedder/cacheKey``,
/// SHA-256 of the text), so re-scoring a transcript does not pay for the same embeddings twice.
///
/// The cache is one append-only file per cache key: a header line, then fixed-size records of
/// 32 digest bytes and the vector as little-endian Float32. A record cut off by a crash is
/// ignored on the next open.
public final class CachingEmbedder: Embedder {
    private struct State {
        var vectors: [[UInt8]: [Float]] = [:]
        var dimension: Int?
        var loaded = false
    }

    private let base: any Embedder
    /// The cache file for this embedder.
    public let path: String
    private let state = Mutex(State())

    /// - Parameters:
    ///   - base: The embedder that computes missing vectors.
    ///   - directory: The cache folder, e.g. `~/.cache/polyphony/embeddings`.
    public init(_ base: any Embedder, directory: String) {
        self.base = base
        self.path = (directory as NSString).appendingPathComponent(Self.fileName(for: base.cacheKey))
    }

    /// `KEY.embcache` for a short key of letters, digits, `-` and `.`; any other key is
    /// shortened and tagged with its digest, so two keys never share a file.
    static func fileName(for key: String) -> String {
        let safe = String(key.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") ? $0 : "_" })
        if safe == key, key.count <= 96 { return key + ".embcache" }
        return "\(safe.prefix(48))-\(PolyphonyCore.SHA256.hex(key).prefix(16)).embcache"
    }

    public var name: String { base.name }
    public var cacheKey: String { base.cacheKey }
    public var isSemantic: Bool { base.isSemantic }

    /// How many vectors the cache holds now.
    public var count: Int { state.withLock { $0.vectors.count } }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        try loadIfNeeded()
        let digests = texts.map { text in
            var hasher = PolyphonyCore.SHA256()
            hasher.update(text.utf8)
            return hasher.finalize()
        }
        var result = state.withLock { state in digests.map { state.vectors[$0] } }
        var missing: [Int] = []
        var seen: Set<[UInt8]> = []
        for (index, vector) in result.enumerated() where vector == nil && seen.insert(digests[index]).inserted {
            missing.append(index)
        }
        if !missing.isEmpty {
            let fresh = try await base.embed(missing.map { texts[$0] })
            guard fresh.count == missing.count else {
                throw PolyphonyError.invalidInput("embedder \(base.name) returned \(fresh.count) vectors for \(missing.count) texts")
            }
            try store(zip(missing.map { digests[$0] }, fresh).map { ($0, $1) })
            let known = state.withLock { state in digests.map { state.vectors[$0] } }
            result = known
        }
        return try result.enumerated().map { index, vector in
            guard let vector else { throw PolyphonyError.io("cache lost the vector for text \(index + 1)", file: path) }
            return vector
        }
    }

    private static let magic = Array("polyphony-embedding-cache 1\n".utf8)

    private func loadIfNeeded() throws {
        if state.withLock({ $0.loaded }) { return }
        var vectors: [[UInt8]: [Float]] = [:]
        var dimension: Int?
        if let data = FileManager.default.contents(atPath: path) {
            let bytes = [UInt8](data)
            guard bytes.starts(with: Self.magic), bytes.count >= Self.magic.count + 4 else {
                throw PolyphonyError.io("not a polyphony embedding cache; delete it to rebuild", file: path)
            }
            var offset = Self.magic.count
            let d = bytes[offset..<(offset + 4)].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            offset += 4
            let recordSize = 32 + 4 * d
            while d > 0, offset + recordSize <= bytes.count {
                let digest = Array(bytes[offset..<(offset + 32)])
                var vector = [Float](repeating: 0, count: d)
                for k in 0..<d {
                    let at = offset + 32 + 4 * k
                    let bits = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
                    vector[k] = Float(bitPattern: bits)
                }
                vectors[digest] = vector
                offset += recordSize
            }
            dimension = d
            if offset < bytes.count {
                // Cut the partial record a crash left, so later appends stay aligned.
                guard let handle = FileHandle(forWritingAtPath: path) else {
                    throw PolyphonyError.io("cannot repair the embedding cache; delete it to rebuild", file: path)
                }
                defer { try? handle.close() }
                do {
                    try handle.truncate(atOffset: UInt64(offset))
                } catch {
                    throw PolyphonyError.io("cannot repair the embedding cache: \(error.localizedDescription)", file: path)
                }
            }
        }
        state.withLock { state in
            if !state.loaded {
                state.vectors = vectors
                state.dimension = dimension
                state.loaded = true
            }
        }
    }

    private func store(_ entries: [([UInt8], [Float])]) throws {
        try state.withLock { state in
            guard let d = entries.first?.1.count, d > 0 else { return }
            var bytes: [UInt8] = []
            if state.dimension == nil {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                bytes = Self.magic + (0..<4).map { UInt8((d >> (8 * $0)) & 0xFF) }
                state.dimension = d
            }
            guard state.dimension == d else {
                throw PolyphonyError.io("the cache holds \(state.dimension ?? 0)-d vectors but \(base.name) returned \(d)-d ones; delete it to rebuild", file: path)
            }
            for (digest, vector) in entries {
                state.vectors[digest] = vector
                bytes.append(contentsOf: digest)
                for value in vector {
                    let bits = value.bitPattern
                    bytes.append(contentsOf: [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)])
                }
            }
            if !FileManager.default.fileExists(atPath: path) {
                _ = FileManager.default.createFile(atPath: path, contents: nil)
            }
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw PolyphonyError.io("cannot open the embedding cache for writing", file: path)
            }
            defer { try? handle.close() }
            do {
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(bytes))
            } catch {
                throw PolyphonyError.io("cannot write the embedding cache: \(error.localizedDescription)", file: path)
            }
        }
    }
}

extension CachingEmbedder {
    /// `base` behind the on-disk embedding cache, unless caching would cost more than it saves.
    /// - Parameters:
    ///   - base: The embedder to cache.
    ///   - directory: The cache folder (default: the user's `embeddings` cache folder). A lexical
    ///     embedder is cached only when a folder is asked for: it is cheaper to recompute than to read back.
    /// - Returns: `base` itself, or a ``CachingEmbedder`` around it.
    public static func unlessCheap(_ base: any Embedder, directory: String?) -> any Embedder {
        if !base.isSemantic && directory == nil { return base }
        return CachingEmbedder(base, directory: directory ?? CacheLocation.folder("embeddings"))
    }
}
