import PolyphonyCore

/// ``SplitMix64``, seeded from names as well as numbers: the same seed gives
/// the same bootstrap on every machine and every run.
package struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var base: SplitMix64

    /// - Parameter seed: Any value; equal seeds give equal streams.
    package init(seed: UInt64) {
        base = SplitMix64(seed: seed)
    }

    /// A seed derived from `seed` and a list of names, independent of the order runs are
    /// read in, so merged and unsharded experiments draw the same resamples.
    package init(seed: UInt64, labels: [String]) {
        // FNV-1a: stable across processes, unlike Hasher.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in labels.joined(separator: "\u{1f}").utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        base = SplitMix64(seed: seed ^ hash)
    }

    /// The next 64 random bits.
    package mutating func next() -> UInt64 { base.next() }

    /// A uniform index in `0..<count` (count > 0), without the modulo bias of `next() % count`.
    mutating func index(below count: Int) -> Int {
        Int(next(upperBound: UInt64(count)))
    }
}
