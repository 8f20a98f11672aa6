import Foundation
internal import CPolyphonyKernels

/// SHA-256 (FIPS 180-4), for content-addressed digests of requests and texts.
///
/// Foundation on Linux has no CryptoKit, and pulling swift-crypto in for one hash would
/// cost a minute of build time on every clean clone. Where the CPU has the x86 SHA
/// extensions, whole blocks go through them (CPolyphonyKernels), several times faster than
/// the portable rounds below: every agent turn hashes its prompt, and the fake server hashes
/// every prompt it answers.
package struct SHA256: Sendable {
    /// The round constants, from the same table the SHA-instruction kernel uses.
    private static let k: [UInt32] = (0..<64).map { polyphony_sha256_round_constant(Int32($0)) }

    private var state: [UInt32] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0
    private let portable: Bool

    /// - Parameter portable: Use the portable rounds even where the CPU has SHA instructions
    ///   (for tests that check the two agree).
    package init(portable: Bool = false) {
        self.portable = portable
    }

    /// Feeds more bytes into the hash.
    package mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { update(buffer: UnsafeRawBufferPointer($0)) }
        if handled == nil {
            let copy = Array(bytes)
            copy.withUnsafeBytes { update(buffer: $0) }
        }
    }

    /// Hashes whole 64-byte blocks straight from `input`, buffering only a partial block.
    private mutating func update(buffer input: UnsafeRawBufferPointer) {
        length &+= UInt64(input.count)
        var offset = 0
        if !buffer.isEmpty {
            let take = min(64 - buffer.count, input.count)
            buffer.append(contentsOf: input[0..<take])
            offset = take
            if buffer.count == 64 {
                buffer.withUnsafeBytes { compress($0.baseAddress!, blocks: 1) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        let blocks = (input.count - offset) / 64
        if blocks > 0 {
            compress(input.baseAddress! + offset, blocks: blocks)
            offset += blocks * 64
        }
        if offset < input.count {
            buffer.append(contentsOf: input[offset...])
        }
    }

    /// Finishes the hash and returns the 32-byte digest.
    package mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        var tail = buffer
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        tail.withUnsafeBytes { raw in compress(raw.baseAddress!, blocks: raw.count / 64) }
        return state.flatMap { word in
            [UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word)]
        }
    }

    /// The lowercase hex digest of `data`.
    package static func hex<Bytes: Sequence>(_ data: Bytes) -> String where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(data)
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in hasher.finalize() {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The lowercase hex digest of a string's UTF-8 bytes.
    package static func hex(_ string: String) -> String { hex(Array(string.utf8)) }

    /// Compresses `blocks` consecutive 64-byte blocks into the state.
    private mutating func compress(_ start: UnsafeRawPointer, blocks: Int) {
        if !portable {
            let done = state.withUnsafeMutableBufferPointer { words in
                polyphony_sha256_blocks(words.baseAddress!, start.assumingMemoryBound(to: UInt8.self), blocks)
            }
            if done == 1 { return }
        }
        for index in 0..<blocks { compress(start + 64 * index) }
    }

    private mutating func compress(_ block: UnsafeRawPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            for i in 0..<16 {
                w[i] = UInt32(block.load(fromByteOffset: 4 * i, as: UInt8.self)) << 24
                    | UInt32(block.load(fromByteOffset: 4 * i + 1, as: UInt8.self)) << 16
                    | UInt32(block.load(fromByteOffset: 4 * i + 2, as: UInt8.self)) << 8
                    | UInt32(block.load(fromByteOffset: 4 * i + 3, as: UInt8.self))
            }
            for i in 16..<64 {
                let s0 = w[i - 15].rotatedRight(7) ^ w[i - 15].rotatedRight(18) ^ (w[i - 15] >> 3)
                let s1 = w[i - 2].rotatedRight(17) ^ w[i - 2].rotatedRight(19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, h) = (state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7])
            Self.k.withUnsafeBufferPointer { k in
                for i in 0..<64 {
                    let s1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
                    let choice = (e & f) ^ (~e & g)
                    let t1 = h &+ s1 &+ choice &+ k[i] &+ w[i]
                    let s0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
                    let majority = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ majority
                    (h, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
                }
            }
            state[0] &+= a; state[1] &+= b; state[2] &+= c; state[3] &+= d
            state[4] &+= e; state[5] &+= f; state[6] &+= g; state[7] &+= h
        }
    }
}

extension UInt32 {
    fileprivate func rotatedRight(_ count: UInt32) -> UInt32 {
        (self >> count) | (self << (32 - count))
    }
}
