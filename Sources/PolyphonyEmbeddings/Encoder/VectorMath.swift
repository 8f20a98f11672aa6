/// Branch-free `exp` and `erf` for the encoder's elementwise passes.
///
/// The C library's `expf` and `erff` are exact to the last bit but opaque calls, so loops
/// over them stay scalar; in the encoder they took a fifth of the time. These are plain
/// arithmetic (no calls, no branches), so the optimiser vectorises the loops that use them,
/// and they stay within a few parts in 10⁷ of the exact values — below what float32 BERT
/// arithmetic resolves. Written on scalars rather than SIMD types because unoptimised
/// (debug) builds run generic SIMD code hundreds of times slower.
enum VectorMath {
    /// e^x. Relative error below 5·10⁻⁷ for x in [−87, 88]; inputs outside are clamped, so
    /// −∞ gives about 10⁻³⁸ rather than 0, which no softmax or GELU here can tell apart.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let clamped = min(max(x, -87.3), 88.0)
        // x = k·ln2 + r with |r| ≤ ln2/2; ln2 is split in two so k·ln2 loses no bits.
        // Adding 1.5·2²³ rounds to the nearest integer and leaves it in the low mantissa bits;
        // `rounded()` would be a libm call on baseline x86-64 and stop the loop vectorising.
        let shifted = clamped * 1.442_695_04 + 12_582_912
        let k = shifted - 12_582_912
        let r = clamped - k * 0.693_145_75 - k * 1.428_606_8e-6
        // Taylor series of e^r to r⁷/7!: the first dropped term is below 6·10⁻⁹ for |r| ≤ 0.35.
        var p: Float = 1.0 / 5040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // 2^k built directly in the exponent bits; k is within [−126, 127] after the clamp.
        let integer = shifted.bitPattern &- 0x4B40_0000  // k as a two's-complement integer
        return p * Float(bitPattern: (integer &+ 127) &<< 23)
    }

    /// erf(x), by Abramowitz & Stegun 7.1.26 (absolute error below 1.5·10⁻⁷), with `exp` above.
    @inline(__always)
    static func erf(_ x: Float) -> Float {
        let a = x < 0 ? -x : x
        let t = 1 / (1 + 0.327_591_1 * a)
        var poly: Float = 1.061_405_429
        poly = poly * t - 1.453_152_027
        poly = poly * t + 1.421_413_741
        poly = poly * t - 0.284_496_736
        poly = poly * t + 0.254_829_592
        let magnitude = 1 - poly * t * Self.exp(-a * a)
        return x < 0 ? -magnitude : magnitude
    }

    /// The sum of `count` floats, with eight running partial sums so the additions can run side by side.
    @inline(__always)
    static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var partial: (Float, Float, Float, Float, Float, Float, Float, Float) = (0, 0, 0, 0, 0, 0, 0, 0)
        var index = 0
        while index + 8 <= count {
            partial.0 += values[index]; partial.1 += values[index + 1]
            partial.2 += values[index + 2]; partial.3 += values[index + 3]
            partial.4 += values[index + 4]; partial.5 += values[index + 5]
            partial.6 += values[index + 6]; partial.7 += values[index + 7]
            index += 8
        }
        var total = ((partial.0 + partial.1) + (partial.2 + partial.3)) + ((partial.4 + partial.5) + (partial.6 + partial.7))
        while index < count {
            total += values[index]
            index += 1
        }
        return total
    }
}
