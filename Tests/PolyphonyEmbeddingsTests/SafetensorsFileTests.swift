import Foundation
import PolyphonyCore
import Testing
@testable import PolyphonyEmbeddings

/// Writes small safetensors files byte by byte, so the reader is checked against the format
/// itself rather than against another library's writer.
@Suite struct SafetensorsFileTests {
    /// A file with the given JSON header and data bytes; returns its path.
    static func write(header: String, data: [UInt8], declaredLength: UInt64? = nil) throws -> String {
        let path = NSTemporaryDirectory() + "polyphony-safetensors-\(UUID().uuidString).safetensors"
        var bytes: [UInt8] = []
        let json = Array(header.utf8)
        withUnsafeBytes(of: (declaredLength ?? UInt64(json.count)).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: json)
        bytes.append(contentsOf: data)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func littleEndianBytes(_ floats: [Float]) -> [UInt8] {
        floats.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    }

    static func message(of body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func readsF32TensorsWithTheirShapesAndMetadata() throws {
        let values: [Float] = [1, -2.5, 3.25, 0, 1e-7, 6]
        let path = try Self.write(
            header: #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[1],"data_offsets":[24,28]}}"#,
            data: Self.littleEndianBytes(values + [42])
        )
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try SafetensorsFile(path: path)
        #expect(file.metadata == ["format": "pt"])
        #expect(Set(file.tensors.keys) == ["w", "b"])
        let weight = try file.float32("w", shape: [2, 3])
        #expect(weight.shape == [2, 3])
        #expect(weight.array == values)
        #expect(try file.float32("b").array == [42])
    }

    @Test func copiesAnF32TensorThatIsNotFourByteAligned() throws {
        // A header of odd length puts the data at an odd offset in the mapping.
        let header = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let padded = header.utf8.count % 2 == 0 ? header + " " : header
        let path = try Self.write(header: padded, data: Self.littleEndianBytes([0.5, -7]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try SafetensorsFile(path: path).float32("w").array == [0.5, -7])
    }

    @Test func widensF16AndBF16ToFloat() throws {
        // F16: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF, smallest subnormal 2^-24 = 0x0001.
        // BF16: 1.0 = 0x3F80, -0.5 = 0xBF00.
        let half: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001]
        let brain: [UInt16] = [0x3F80, 0xBF00]
        let data = (half + brain).flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        let path = try Self.write(
            header: #"{"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},"g":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]}}"#,
            data: data
        )
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try SafetensorsFile(path: path)
        #expect(try file.float32("h").array == [1, -2, 65504, 0x1p-24])
        #expect(try file.float32("g").array == [1, -0.5])
    }

    @Test func rejectsAFileShorterThanTheHeaderLength() throws {
        let path = NSTemporaryDirectory() + "polyphony-short-\(UUID().uuidString).safetensors"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let message = Self.message { _ = try SafetensorsFile(path: path) }
        #expect(message.hasPrefix(path + ": "))
        #expect(message.contains("shorter than the 8-byte header length"))
    }

    @Test func rejectsAHeaderLengthPastTheEndOfTheFile() throws {
        let path = try Self.write(header: "{}", data: [], declaredLength: 4096)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(Self.message { _ = try SafetensorsFile(path: path) }.contains("runs past the end"))
    }

    @Test func rejectsAHeaderThatIsNotJSON() throws {
        let path = try Self.write(header: "{not json", data: [])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(Self.message { _ = try SafetensorsFile(path: path) } == "\(path): safetensors header is not valid JSON")
    }

    @Test func namesTheTensorWhoseOffsetsRunPastTheData() throws {
        let path = try Self.write(header: #"{"layer.w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: [0, 0, 0, 0])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let message = Self.message { _ = try SafetensorsFile(path: path) }
        #expect(message == "\(path): tensor layer.w: data_offsets [0, 16] fall outside the 4 data bytes")
    }

    @Test func namesTheTensorWhoseShapeDisagreesWithItsBytes() throws {
        let path = try Self.write(header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: Array(repeating: 0, count: 8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(Self.message { _ = try SafetensorsFile(path: path) }.contains("tensor w: shape [3] of F32 needs 12 bytes but data_offsets span 8"))
    }

    @Test(arguments: [
        (#"{"w":{"shape":[1],"data_offsets":[0,4]}}"#, "tensor w: dtype is missing"),
        (#"{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#, "tensor w: unknown dtype F33"),
        (#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, "tensor w: shape"),
        (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4]}}"#, "tensor w: data_offsets is missing"),
        (#"{"w":[1,2]}"#, "tensor w: header entry is not an object"),
        (#"[1,2]"#, "safetensors header is not a JSON object"),
    ])
    func reportsAMalformedHeaderEntry(header: String, expected: String) throws {
        let path = try Self.write(header: header, data: [0, 0, 0, 0])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let message = Self.message { _ = try SafetensorsFile(path: path) }
        #expect(message.hasPrefix(path + ": "))
        #expect(message.contains(expected), "\(message)")
    }

    @Test func namesAMissingTensorAWrongShapeAndANonFloatDtype() throws {
        let path = try Self.write(
            header: #"{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#,
            data: Array(repeating: 0, count: 16)
        )
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try SafetensorsFile(path: path)
        #expect(Self.message { _ = try file.float32("nope") } == "\(path): tensor nope is missing")
        #expect(Self.message { _ = try file.float32("w", shape: [1, 2]) } == "\(path): tensor w has shape [2], expected [1, 2]")
        #expect(Self.message { _ = try file.float32("ids") } == "\(path): tensor ids has dtype I64, expected F32, F16 or BF16")
    }

    @Test func reportsAMissingFileAsAnIOError() {
        let path = NSTemporaryDirectory() + "polyphony-missing-\(UUID().uuidString).safetensors"
        #expect(Self.message { _ = try SafetensorsFile(path: path) } == "\(path): cannot open safetensors file: No such file or directory")
    }
}
