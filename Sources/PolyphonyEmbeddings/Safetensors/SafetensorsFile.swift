import Foundation
import PolyphonyCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A memory-mapped `.safetensors` file: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the raw tensor bytes.
///
/// The file is mapped read-only once; ``float32(_:shape:)`` hands out views into the mapping
/// without copying, so a 90 MB model costs only the pages a forward pass touches.
/// The mapping lives as long as this object or any ``Float32Tensor`` taken from it.
///
/// Safe to share between tasks: nothing changes after `init`.
package final class SafetensorsFile: @unchecked Sendable {
    // @unchecked: `base` is a read-only mapping fixed at init and released only in deinit.

    /// The path the file was opened from; every error names it.
    package let path: String
    /// Every tensor in the header, by name.
    package let tensors: [String: SafetensorsTensorInfo]
    /// The header's optional `__metadata__` string map.
    package let metadata: [String: String]

    private let base: UnsafeRawPointer?
    private let mappedLength: Int
    /// Offset of the first tensor byte: 8 + the header length.
    private let dataStart: Int

    /// The header may not be larger than this; the format's reference reader uses the same cap.
    static let maximumHeaderLength = 100 * 1024 * 1024

    /// Maps the file and validates its header.
    /// - Parameter path: A `.safetensors` file.
    /// - Throws: `PolyphonyError.io` if it cannot be opened or mapped;
    ///   `PolyphonyError.invalidInput` naming the file (and the tensor) if the header is malformed
    ///   or a tensor's byte range disagrees with its dtype and shape.
    package init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw PolyphonyError.io("cannot open safetensors file: \(String(cString: strerror(errno)))", file: path)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw PolyphonyError.io("cannot stat safetensors file: \(String(cString: strerror(errno)))", file: path)
        }
        let length = Int(status.st_size)
        guard length >= 8 else {
            throw PolyphonyError.invalidInput("not a safetensors file: \(length) bytes, shorter than the 8-byte header length", file: path)
        }
        guard let mapping = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0), mapping != MAP_FAILED else {
            throw PolyphonyError.io("cannot memory-map safetensors file: \(String(cString: strerror(errno)))", file: path)
        }
        let raw = UnsafeRawPointer(mapping)
        do {
            let header = try Self.parseHeader(UnsafeRawBufferPointer(start: raw, count: length), path: path)
            self.tensors = header.tensors
            self.metadata = header.metadata
            self.dataStart = header.dataStart
        } catch {
            munmap(mapping, length)
            throw error
        }
        self.base = raw
        self.mappedLength = length
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), mappedLength) }
    }

    /// The header entry for `name`.
    /// - Throws: `PolyphonyError.invalidInput` naming the file and the missing tensor.
    package func info(_ name: String) throws -> SafetensorsTensorInfo {
        guard let info = tensors[name] else {
            throw PolyphonyError.invalidInput("tensor \(name) is missing", file: path)
        }
        return info
    }

    /// A tensor's values as 32-bit floats.
    ///
    /// F32 tensors whose bytes are 4-byte aligned in the mapping are returned without copying;
    /// F16, BF16 and unaligned F32 tensors are converted into an owned buffer.
    /// - Parameters:
    ///   - name: The tensor's name in the header.
    ///   - shape: The shape the caller needs, or `nil` to accept any.
    /// - Throws: `PolyphonyError.invalidInput` naming the file and tensor when it is missing,
    ///   has another shape, or has a non-float dtype.
    package func float32(_ name: String, shape: [Int]? = nil) throws -> Float32Tensor {
        let info = try info(name)
        if let shape, shape != info.shape {
            throw PolyphonyError.invalidInput("tensor \(name) has shape \(info.shape), expected \(shape)", file: path)
        }
        guard let base else { throw PolyphonyError.io("safetensors file is not mapped", file: path) }
        let start = base + dataStart + info.byteRange.lowerBound
        let count = info.elementCount
        switch info.dtype {
        case .f32 where Int(bitPattern: start) % MemoryLayout<Float>.alignment == 0:
            return Float32Tensor(name: name, shape: info.shape, mappedFrom: self, values: start.assumingMemoryBound(to: Float.self), count: count)
        case .f32:
            return Float32Tensor(name: name, shape: info.shape, count: count) { output in
                for index in 0..<count {
                    output[index] = Float(bitPattern: UInt32(littleEndian: start.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
                }
            }
        case .f16:
            return Float32Tensor(name: name, shape: info.shape, count: count) { output in
                for index in 0..<count {
                    output[index] = Float(halfBits: UInt16(littleEndian: start.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)))
                }
            }
        case .bf16:
            return Float32Tensor(name: name, shape: info.shape, count: count) { output in
                for index in 0..<count {
                    let bits = UInt16(littleEndian: start.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
                    output[index] = Float(bitPattern: UInt32(bits) << 16)
                }
            }
        default:
            throw PolyphonyError.invalidInput("tensor \(name) has dtype \(info.dtype.rawValue), expected F32, F16 or BF16", file: path)
        }
    }
}

extension SafetensorsFile {
    struct Header {
        var tensors: [String: SafetensorsTensorInfo]
        var metadata: [String: String]
        var dataStart: Int
    }

    /// Validates the whole header up front so later reads can trust every byte range.
    static func parseHeader(_ bytes: UnsafeRawBufferPointer, path: String) throws -> Header {
        let declared = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        guard declared <= UInt64(maximumHeaderLength) else {
            throw PolyphonyError.invalidInput("safetensors header length \(declared) exceeds the \(maximumHeaderLength)-byte limit; the file is probably not safetensors", file: path)
        }
        let headerLength = Int(declared)
        guard headerLength <= bytes.count - 8 else {
            throw PolyphonyError.invalidInput("safetensors header length \(headerLength) runs past the end of the \(bytes.count)-byte file", file: path)
        }
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: Data(bytes[8..<(8 + headerLength)]))
        } catch {
            throw PolyphonyError.invalidInput("safetensors header is not valid JSON", file: path)
        }
        guard case .object(let entries) = root else {
            throw PolyphonyError.invalidInput("safetensors header is not a JSON object", file: path)
        }
        let dataLength = bytes.count - 8 - headerLength
        var tensors: [String: SafetensorsTensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in entries {
            if name == "__metadata__" {
                guard case .object(let map) = value else {
                    throw PolyphonyError.invalidInput("safetensors __metadata__ is not an object", file: path)
                }
                for (key, item) in map {
                    guard let text = item.stringValue else {
                        throw PolyphonyError.invalidInput("safetensors __metadata__.\(key) is not a string", file: path)
                    }
                    metadata[key] = text
                }
                continue
            }
            tensors[name] = try SafetensorsTensorInfo(name: name, header: value, dataLength: dataLength, path: path)
        }
        return Header(tensors: tensors, metadata: metadata, dataStart: 8 + headerLength)
    }
}

extension Float {
    /// Widens an IEEE 754 binary16 bit pattern; done by hand because `Float16` is unavailable on x86_64 macOS.
    init(halfBits bits: UInt16) {
        let sign = UInt32(bits >> 15) << 31
        let exponent = Int((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: value = mantissa · 2^-24.
            let magnitude = Float(mantissa) * 0x1p-24
            self = sign == 0 ? magnitude : -magnitude
        case 0x1F:
            self = Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            self = Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
        }
    }
}
