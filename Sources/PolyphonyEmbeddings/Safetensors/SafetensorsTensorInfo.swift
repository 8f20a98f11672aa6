import Foundation
import PolyphonyCore

/// One tensor's header entry in a `.safetensors` file.
package struct SafetensorsTensorInfo: Sendable, Equatable {
    /// The element types the format defines.
    package enum DType: String, Sendable, CaseIterable {
        /// IEEE floats of 64, 32 and 16 bits, and bfloat16.
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        /// Signed integers.
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
        /// Unsigned integers.
        case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8"
        /// Booleans (one byte each) and the two 8-bit float formats.
        case bool = "BOOL", f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

        /// Bytes per element.
        package var size: Int {
            switch self {
            case .f64, .i64, .u64: 8
            case .f32, .i32, .u32: 4
            case .f16, .bf16, .i16, .u16: 2
            case .i8, .u8, .bool, .f8e4m3, .f8e5m2: 1
            }
        }
    }

    /// The tensor's name, e.g. `encoder.layer.0.attention.self.query.weight`.
    package let name: String
    /// The element type.
    package let dtype: DType
    /// The dimensions, outermost first (row-major).
    package let shape: [Int]
    /// The bytes, relative to the first byte after the header.
    package let byteRange: Range<Int>

    /// The number of elements: the product of ``shape`` (1 for a scalar).
    package var elementCount: Int { shape.reduce(1, *) }

    /// Parses and checks one header entry.
    /// - Parameters:
    ///   - header: The entry's decoded JSON value.
    ///   - dataLength: Bytes after the header, which every range must fit in.
    ///   - path: The file, for error messages.
    init(name: String, header: JSONValue, dataLength: Int, path: String) throws {
        func malformed(_ problem: String) -> PolyphonyError {
            PolyphonyError.invalidInput("tensor \(name): \(problem)", file: path)
        }
        guard case .object = header else { throw malformed("header entry is not an object") }
        guard let dtypeName = header["dtype"]?.stringValue else { throw malformed("dtype is missing or not a string") }
        guard let dtype = DType(rawValue: dtypeName) else { throw malformed("unknown dtype \(dtypeName)") }
        guard let shapeValues = header["shape"]?.arrayValue else { throw malformed("shape is missing or not an array") }
        let shape = try shapeValues.map { value -> Int in
            guard let dimension = Self.integer(value), dimension >= 0 else {
                throw malformed("shape has a dimension that is not a non-negative integer")
            }
            return dimension
        }
        guard let offsets = header["data_offsets"]?.arrayValue, offsets.count == 2,
              let begin = Self.integer(offsets[0]), let end = Self.integer(offsets[1])
        else { throw malformed("data_offsets is missing or not two integers") }
        guard begin >= 0, begin <= end, end <= dataLength else {
            throw malformed("data_offsets [\(begin), \(end)] fall outside the \(dataLength) data bytes")
        }
        let (elements, overflow) = shape.reduce((1, false)) { partial, dimension in
            let product = partial.0.multipliedReportingOverflow(by: dimension)
            return (product.partialValue, partial.1 || product.overflow)
        }
        let (bytes, bytesOverflow) = elements.multipliedReportingOverflow(by: dtype.size)
        guard !overflow, !bytesOverflow, bytes == end - begin else {
            throw malformed("shape \(shape) of \(dtypeName) needs \(overflow || bytesOverflow ? "too many" : String(bytes)) bytes but data_offsets span \(end - begin)")
        }
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.byteRange = begin..<end
    }

    /// Accepts only whole numbers small enough to be exact in a `Double` (2^53, far beyond any file).
    static func integer(_ value: JSONValue) -> Int? {
        guard let double = value.doubleValue, double.rounded() == double, abs(double) <= 0x1p53 else { return nil }
        return Int(double)
    }
}
