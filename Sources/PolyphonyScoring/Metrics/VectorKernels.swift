/// Dot products written with explicit SIMD lanes and independent accumulators.
///
/// A plain `for` loop summing into one scalar is not vectorised (floating-point addition
/// is not associative, so the compiler keeps the order); these kernels choose an order
/// that the hardware can run several lanes wide. Four native-width accumulators measured
/// faster than wider SIMD types on SSE-class x86 (the default Swift target).
enum VectorKernels {
    /// Σ a[k]·b[k] for k < count, in Float.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        typealias V = SIMD4<Float>
        var s0 = V(), s1 = V(), s2 = V(), s3 = V()
        let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
        var k = 0
        while k + 16 <= count {
            let offset = k * 4
            s0 += rawA.loadUnaligned(fromByteOffset: offset, as: V.self) * rawB.loadUnaligned(fromByteOffset: offset, as: V.self)
            s1 += rawA.loadUnaligned(fromByteOffset: offset + 16, as: V.self) * rawB.loadUnaligned(fromByteOffset: offset + 16, as: V.self)
            s2 += rawA.loadUnaligned(fromByteOffset: offset + 32, as: V.self) * rawB.loadUnaligned(fromByteOffset: offset + 32, as: V.self)
            s3 += rawA.loadUnaligned(fromByteOffset: offset + 48, as: V.self) * rawB.loadUnaligned(fromByteOffset: offset + 48, as: V.self)
            k += 16
        }
        var sum = ((s0 + s1) + (s2 + s3)).sum()
        while k < count {
            sum += a[k] * b[k]
            k += 1
        }
        return sum
    }

    /// Σ a[k]·b[k] for k < count, in Double.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count: Int) -> Double {
        typealias V = SIMD2<Double>
        var s0 = V(), s1 = V(), s2 = V(), s3 = V()
        let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
        var k = 0
        while k + 8 <= count {
            let offset = k * 8
            s0 += rawA.loadUnaligned(fromByteOffset: offset, as: V.self) * rawB.loadUnaligned(fromByteOffset: offset, as: V.self)
            s1 += rawA.loadUnaligned(fromByteOffset: offset + 16, as: V.self) * rawB.loadUnaligned(fromByteOffset: offset + 16, as: V.self)
            s2 += rawA.loadUnaligned(fromByteOffset: offset + 32, as: V.self) * rawB.loadUnaligned(fromByteOffset: offset + 32, as: V.self)
            s3 += rawA.loadUnaligned(fromByteOffset: offset + 48, as: V.self) * rawB.loadUnaligned(fromByteOffset: offset + 48, as: V.self)
            k += 8
        }
        var sum = ((s0 + s1) + (s2 + s3)).sum()
        while k < count {
            sum += a[k] * b[k]
            k += 1
        }
        return sum
    }
}
