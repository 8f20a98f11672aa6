import Foundation
import PolyphonyCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system BLAS, loaded with `dlopen` the first time the encoder needs it.
///
/// Loading at run time instead of linking lets us choose OpenBLAS's kernels before its
/// constructor runs: OpenBLAS 0.3.21 (Debian 12) does not know CPUs newer than it, files them
/// as a Pentium 4 ("Prescott") and runs 2–3× slower. Unless `OPENBLAS_CORETYPE` is already
/// set, we set it from the CPU's flags (AVX-512 → SkylakeX, AVX2 + FMA → Haswell).
///
/// OpenBLAS is also told to use one thread: the embedder runs one encoder pass per core
/// itself, which keeps the non-BLAS work parallel too and stops OpenBLAS's threads spinning.
struct BLASLibrary: Sendable {
    /// `cblas_sgemm`; orders and transposes are the CBLAS enum values.
    typealias Sgemm = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
        UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32
    ) -> Void

    static let rowMajor: Int32 = 101
    static let noTranspose: Int32 = 111
    static let transpose: Int32 = 112

    /// The environment variable that names a BLAS library to load instead of the defaults.
    static let libraryVariable = "POLYPHONY_BLAS_LIBRARY"

    let sgemm: Sgemm
    /// The library that was loaded.
    let path: String
    /// OpenBLAS's name for the kernels it chose, e.g. `SkylakeX`; `nil` for other BLAS libraries.
    let coreName: String?

    /// Loaded once per process; a failure is remembered and reported on every use.
    static let shared: Result<BLASLibrary, any Error> = Result { try load() }

    static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> BLASLibrary {
        if environment["OPENBLAS_CORETYPE"] == nil, let core = preferredOpenBLASCore() {
            setenv("OPENBLAS_CORETYPE", core, 0)
        }
        var candidates = [
            "libopenblas.so.0", "libopenblas.so", "libblas.so.3",
            "/System/Library/Frameworks/Accelerate.framework/Accelerate",
        ]
        if let chosen = environment[libraryVariable], !chosen.isEmpty { candidates = [chosen] }
        var failures: [String] = []
        for candidate in candidates {
            guard let handle = dlopen(candidate, RTLD_NOW | RTLD_LOCAL) else {
                failures.append(dlerror().map { String(cString: $0) } ?? candidate)
                continue
            }
            guard let symbol = dlsym(handle, "cblas_sgemm") else {
                failures.append("\(candidate) has no cblas_sgemm")
                continue
            }
            if let setThreads = dlsym(handle, "openblas_set_num_threads") {
                unsafeBitCast(setThreads, to: (@convention(c) (Int32) -> Void).self)(1)
            }
            let coreName = dlsym(handle, "openblas_get_corename").flatMap { symbol in
                unsafeBitCast(symbol, to: (@convention(c) () -> UnsafePointer<CChar>?).self)().map { String(cString: $0) }
            }
            return BLASLibrary(sgemm: unsafeBitCast(symbol, to: Sgemm.self), path: candidate, coreName: coreName)
        }
        throw PolyphonyError.io(
            "no BLAS library with cblas_sgemm could be loaded (\(failures.joined(separator: "; "))); install OpenBLAS (Debian: apt-get install libopenblas0) or set \(libraryVariable) to a BLAS library"
        )
    }

    /// The OpenBLAS kernel family this CPU can run, read from `/proc/cpuinfo`; `nil` elsewhere,
    /// which leaves the choice to OpenBLAS.
    static func preferredOpenBLASCore() -> String? {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return nil }
        let flags = Set(line.split(separator: " ").map(String.init))
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }
}
