import Foundation
import PolyphonyCore
import Testing
@testable import PolyphonyEmbeddings

/// Loading the system BLAS at run time.
@Suite struct BLASLibraryTests {
    @Test func loadsASystemBLASWithSgemm() throws {
        let blas = try BLASLibrary.shared.get()
        // C = A·Bᵀ for A = [[1, 2]], B = [[3, 4], [5, 6]]: [[11, 17]].
        let a: [Float] = [1, 2], b: [Float] = [3, 4, 5, 6]
        var c: [Float] = [0, 0]
        blas.sgemm(BLASLibrary.rowMajor, BLASLibrary.noTranspose, BLASLibrary.transpose, 1, 2, 2, 1, a, 2, b, 2, 0, &c, 2)
        #expect(c == [11, 17])
    }

    @Test func namesTheLibraryAndSaysWhatToInstallWhenNoneLoads() {
        let missing = "/nonexistent/libnoblas-\(UUID().uuidString).so"
        do {
            _ = try BLASLibrary.load(environment: [BLASLibrary.libraryVariable: missing])
            Issue.record("loading \(missing) succeeded")
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix("no BLAS library with cblas_sgemm could be loaded ("))
            #expect(message.contains(missing))
            #expect(message.contains("apt-get install libopenblas0"))
        }
    }

    @Test func choosesOpenBLASKernelsFromTheCPUFlagsOnLinux() throws {
        #if os(Linux)
        let flags = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let expected: String? = flags.contains(" avx512f") && flags.contains(" avx512bw") && flags.contains(" avx512vl") && flags.contains(" avx512dq")
            ? "SkylakeX" : (flags.contains(" avx2") && flags.contains(" fma") ? "Haswell" : nil)
        #expect(BLASLibrary.preferredOpenBLASCore() == expected)
        #endif
    }
}
