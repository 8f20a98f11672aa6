/// A small, fast, seedable random number generator (SplitMix64, Steele, Lea & Flood 2014):
/// the same seed gives the same bootstrap on every machine and every run.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// - Parameter seed: Any value; equal seeds give equal streams.
    public init(seed: UInt64) {
        state = seed
    }

    /// A seed derived from `seed` and a list of names, independent of the order runs are
    /// read in, so merged and unsharded experiments draw the same resamples.
    public init(seed: UInt64, labels: [String]) {
        // FNV-1a: stable across processes, unlike Hasher.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in labels.joined(separator: "\u{1f}").utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        state = seed ^ hash
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform index in `0..<count` (count > 0), without the modulo bias of `next() % count`.
    mutating func index(below count: Int) -> Int {
        Int(next(upperBound: UInt64(count)))
    }
}
