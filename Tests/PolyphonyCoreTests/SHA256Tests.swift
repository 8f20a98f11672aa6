import Testing
@testable import PolyphonyCore

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func digestMatchesTheFIPSTestVectors(input: String, expected: String) {
        #expect(SHA256.hex(input) == expected)
    }

    @Test func digestOfAMillionAsMatchesTheLongTestVector() {
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

@Suite struct SHA256StreamingTests {
    @Test(arguments: [1, 7, 63, 64, 65, 200])
    func hashingInPiecesEqualsHashingAtOnce(pieceSize: Int) {
        let bytes = (0..<1_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var hasher = SHA256()
        for start in stride(from: 0, to: bytes.count, by: pieceSize) {
            hasher.update(bytes[start..<min(start + pieceSize, bytes.count)])
        }
        let digits = hasher.finalize().map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        #expect(digits == SHA256.hex(bytes))
    }
}

@Suite struct SHA256AccelerationTests {
    /// Where the CPU has SHA instructions the default hasher uses them; either way it must
    /// give the portable rounds' digest for every length around the block and padding edges.
    @Test func digestEqualsThePortableRoundsAtEveryLengthAroundTheBlockEdges() {
        let bytes = (0..<1_100).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ ($0 >> 3) &+ 17) }
        for length in Array(0...260) + [511, 512, 513, 1_000, 1_100] {
            var fast = SHA256()
            var portable = SHA256(portable: true)
            fast.update(bytes[0..<length])
            portable.update(bytes[0..<length])
            #expect(fast.finalize() == portable.finalize(), "length \(length)")
        }
    }

    @Test func piecesThatStraddleBlocksHashAsTheWholeDoesOnBothPaths() {
        let bytes = (0..<5_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        var fast = SHA256()
        var portable = SHA256(portable: true)
        for start in stride(from: 0, to: bytes.count, by: 333) {
            fast.update(bytes[start..<min(start + 333, bytes.count)])
            portable.update(bytes[start..<min(start + 333, bytes.count)])
        }
        let whole = SHA256.hex(bytes)
        let hex = { (digest: [UInt8]) in digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
        #expect(hex(fast.finalize()) == whole)
        #expect(hex(portable.finalize()) == whole)
    }
}
