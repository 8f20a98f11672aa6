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
        dot(a, b, count: count, lanes: SIMD4<Float>.self)
    }

    /// Σ a[k]·b[k] for k < count, in Double.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count: Int) -> Double {
        dot(a, b, count: count, lanes: SIMD2<Double>.self)
    }

    /// The shared kernel: four independent accumulators of one native SIMD register each.
    @inline(__always)
    private static func dot<V: SIMD>(
        _ a: UnsafePointer<V.Scalar>, _ b: UnsafePointer<V.Scalar>, count: Int, lanes: V.Type
    ) -> V.Scalar where V.Scalar: BinaryFloatingPoint {
        var s0 = V(), s1 = V(), s2 = V(), s3 = V()
        let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
        let width = V.scalarCount, bytes = MemoryLayout<V>.stride
        var k = 0
        while k + 4 * width <= count {
            let offset = k * MemoryLayout<V.Scalar>.stride
            s0 += rawA.loadUnaligned(fromByteOffset: offset, as: V.self) * rawB.loadUnaligned(fromByteOffset: offset, as: V.self)
            s1 += rawA.loadUnaligned(fromByteOffset: offset + bytes, as: V.self) * rawB.loadUnaligned(fromByteOffset: offset + bytes, as: V.self)
            s2 += rawA.loadUnaligned(fromByteOffset: offset + 2 * bytes, as: V.self) * rawB.loadUnaligned(fromByteOffset: offset + 2 * bytes, as: V.self)
            s3 += rawA.loadUnaligned(fromByteOffset: offset + 3 * bytes, as: V.self) * rawB.loadUnaligned(fromByteOffset: offset + 3 * bytes, as: V.self)
            k += 4 * width
        }
        var sum = ((s0 + s1) + (s2 + s3)).sum()
        while k < count {
            sum += a[k] * b[k]
            k += 1
        }
        return sum
    }

    /// x·r₀ … x·r₃ in one pass: each chunk of x is loaded once for four candidates, which
    /// halves the loads of four separate dot products. `count` must be a multiple of 8.
    @inline(__always)
    static func dot4(
        _ x: UnsafePointer<Float>, _ r0: UnsafePointer<Float>, _ r1: UnsafePointer<Float>,
        _ r2: UnsafePointer<Float>, _ r3: UnsafePointer<Float>, count: Int
    ) -> SIMD4<Float> {
        typealias V = SIMD4<Float>
        var a0 = V(), a1 = V(), b0 = V(), b1 = V(), c0 = V(), c1 = V(), d0 = V(), d1 = V()
        let rx = UnsafeRawPointer(x), p0 = UnsafeRawPointer(r0), p1 = UnsafeRawPointer(r1)
        let p2 = UnsafeRawPointer(r2), p3 = UnsafeRawPointer(r3)
        var offset = 0
        let end = count * 4
        while offset < end {
            let x0 = rx.loadUnaligned(fromByteOffset: offset, as: V.self)
            let x1 = rx.loadUnaligned(fromByteOffset: offset + 16, as: V.self)
            a0 += x0 * p0.loadUnaligned(fromByteOffset: offset, as: V.self)
            a1 += x1 * p0.loadUnaligned(fromByteOffset: offset + 16, as: V.self)
            b0 += x0 * p1.loadUnaligned(fromByteOffset: offset, as: V.self)
            b1 += x1 * p1.loadUnaligned(fromByteOffset: offset + 16, as: V.self)
            c0 += x0 * p2.loadUnaligned(fromByteOffset: offset, as: V.self)
            c1 += x1 * p2.loadUnaligned(fromByteOffset: offset + 16, as: V.self)
            d0 += x0 * p3.loadUnaligned(fromByteOffset: offset, as: V.self)
            d1 += x1 * p3.loadUnaligned(fromByteOffset: offset + 16, as: V.self)
            offset += 32
        }
        // A 4×4 transpose and three vector adds instead of four horizontal sums.
        let a = a0 + a1, b = b0 + b1, c = c0 + c1, d = d0 + d1
        return (V(a[0], b[0], c[0], d[0]) + V(a[1], b[1], c[1], d[1])) + (V(a[2], b[2], c[2], d[2]) + V(a[3], b[3], c[3], d[3]))
    }
}
