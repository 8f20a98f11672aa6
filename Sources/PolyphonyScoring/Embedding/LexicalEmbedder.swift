import Foundation
import PolyphonyCore

/// An offline, model-free embedder: word unigrams, word bigrams and character 3–5-grams,
/// feature-hashed with a sign bit into a fixed number of dimensions and L2-normalised.
///
/// It measures shared wording, not shared meaning (`isSemantic == false`), and every report
/// labels its numbers "lexical". Weights are TF-IDF-style without a corpus: term counts are
/// damped (1 + ln tf) and a fixed English stop-word list stands in for low IDF. Leaving out
/// corpus IDF keeps each text's vector independent of the batch, so vectors can be cached and
/// compared across runs.
public struct LexicalEmbedder: Embedder {
    /// The number of hashed dimensions.
    public let dimension: Int

    /// - Parameter dimension: Hashed dimensions; 384 matches MiniLM-sized vectors.
    public init(dimension: Int = 384) {
        self.dimension = max(8, dimension)
    }

    public var name: String { "lexical-hash-\(dimension)" }
    public var isSemantic: Bool { false }

    /// Texts are independent, so a batch is split over the cores.
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, texts.count / 64))
        guard workers > 1 else { return texts.map(vector) }
        let embedder = self
        return await withTaskGroup(of: (Int, [[Float]]).self) { group in
            for worker in 0..<workers {
                let slice = texts[(texts.count * worker / workers)..<(texts.count * (worker + 1) / workers)]
                group.addTask { (worker, slice.map(embedder.vector)) }
            }
            var parts = [[[Float]]](repeating: [], count: workers)
            for await (worker, part) in group { parts[worker] = part }
            return parts.flatMap { $0 }
        }
    }

    /// The relative weight, by squared norm, of each feature family in the final vector.
    private static let wordWeight: Float = 0.5
    private static let bigramWeight: Float = 0.2
    private static let characterWeight: Float = 0.3
    /// How much a stop word counts next to a content word.
    private static let stopWordWeight: Float = 0.1

    /// Embeds one text synchronously.
    public func vector(_ text: String) -> [Float] {
        let words = Self.words(text)
        var unigrams: [UInt64: Float] = [:]
        var bigrams: [UInt64: Float] = [:]
        var characters: [UInt64: Float] = [:]
        var stops: [Bool] = []
        stops.reserveCapacity(words.count)
        for word in words {
            let isStop = Self.stopWords.contains(word)
            stops.append(isStop)
            unigrams[Self.hash(word, family: 1), default: 0] += isStop ? Self.stopWordWeight : 1
        }
        for index in words.indices.dropLast() where !(stops[index] && stops[index + 1]) {
            bigrams[Self.hash(words[index] + " " + words[index + 1], family: 2), default: 0] += 1
        }
        // Character n-grams run over the normalised word sequence, so spelling variants
        // ("colour"/"color", "bike"/"bikes") still share most features.
        let scalars = Array((" " + words.joined(separator: " ") + " ").unicodeScalars)
        for length in 3...5 where scalars.count >= length {
            for start in 0...(scalars.count - length) {
                var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(length)
                for scalar in scalars[start..<(start + length)] {
                    h = (h ^ UInt64(scalar.value)) &* 0x0000_0100_0000_01B3
                }
                characters[Self.mix(h), default: 0] += 1
            }
        }
        var result = [Float](repeating: 0, count: dimension)
        accumulate(unigrams, weight: Self.wordWeight, into: &result)
        accumulate(bigrams, weight: Self.bigramWeight, into: &result)
        accumulate(characters, weight: Self.characterWeight, into: &result)
        var norm: Float = 0
        for value in result { norm += value * value }
        if norm > 0 {
            let scale = 1 / norm.squareRoot()
            for index in result.indices { result[index] *= scale }
        }
        return result
    }

    /// Adds one feature family, normalised to unit length and scaled so its squared norm is `weight`.
    private func accumulate(_ counts: [UInt64: Float], weight: Float, into result: inout [Float]) {
        guard !counts.isEmpty else { return }
        var norm: Float = 0
        var damped: [(UInt64, Float)] = []
        damped.reserveCapacity(counts.count)
        for (feature, count) in counts {
            let value = count >= 1 ? 1 + logf(count) : count
            damped.append((feature, value))
            norm += value * value
        }
        let scale = weight.squareRoot() / norm.squareRoot()
        for (feature, value) in damped {
            let slot = Int(feature % UInt64(dimension))
            let sign: Float = (feature >> 63) == 0 ? 1 : -1
            result[slot] += sign * value * scale
        }
    }

    /// Splits text into words as every lexical metric sees them: lower-cased runs of letters
    /// and digits; apostrophes inside words are dropped.
    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars {
            let value = scalar.value
            // ASCII needs no Unicode property lookup, which dominates tokenising otherwise.
            let isWordCharacter = value < 0x80
                ? (value >= 0x61 && value <= 0x7A) || (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5A)
                : scalar.properties.isAlphabetic || scalar.properties.numericType != nil
            if isWordCharacter {
                current.append(scalar)
            } else if scalar == "'" || scalar == "\u{2019}" {
                continue
            } else if !current.isEmpty {
                words.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words
    }

    private static func hash(_ feature: String, family: UInt64) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ (family &* 0x9E37_79B9_7F4A_7C15)
        for byte in feature.utf8 {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return mix(h)
    }

    /// A finaliser so that the low bits (the slot) and the top bit (the sign) are independent.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static let stopWords: Set<String> = [
        "a", "about", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by",
        "can", "could", "do", "does", "each", "for", "from", "had", "has", "have", "how", "i", "if",
        "in", "into", "is", "it", "its", "more", "most", "my", "no", "not", "of", "on", "or", "other",
        "our", "out", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there",
        "these", "they", "this", "those", "to", "up", "us", "use", "using", "was", "we", "were", "what",
        "when", "which", "while", "who", "will", "with", "would", "you", "your",
    ]
}
