/// A tensor's values as contiguous row-major `Float`s, borrowed from a mapping or owned.
///
/// Keeps its storage alive: a view into a ``SafetensorsFile`` retains the file, so the
/// pointer stays valid for as long as the tensor value exists.
package struct Float32Tensor: @unchecked Sendable {
    // @unchecked: the values are never written after construction.

    /// The tensor's name in its file.
    package let name: String
    /// The dimensions, outermost first.
    package let shape: [Int]
    /// The first value; never null, even for an empty tensor. Valid while this value (or a copy)
    /// is alive, which the weights that store it guarantee.
    let base: UnsafePointer<Float>
    /// The number of values.
    package let count: Int
    private let owner: AnyObject

    /// Calls `body` with the values, keeping their storage alive for the duration.
    package func withUnsafeValues<Result>(_ body: (UnsafeBufferPointer<Float>) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(owner) { try body(UnsafeBufferPointer(start: base, count: count)) }
    }

    /// The values copied into an array.
    package var array: [Float] { withUnsafeValues { Array($0) } }

    /// A zero-copy view into a mapped file.
    init(name: String, shape: [Int], mappedFrom file: SafetensorsFile, values: UnsafePointer<Float>, count: Int) {
        self.name = name
        self.shape = shape
        self.base = values
        self.count = count
        self.owner = file
    }

    /// An owned buffer of `count` floats written by `fill`.
    init(name: String, shape: [Int], count: Int, fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let storage = OwnedFloats(count: count)
        fill(storage.buffer)
        self.name = name
        self.shape = shape
        self.base = UnsafePointer(storage.start)
        self.count = count
        self.owner = storage
    }
}

/// Heap storage for converted or derived weights; freed when the last tensor using it goes.
final class OwnedFloats {
    /// Never null: at least one element is allocated so an empty tensor still has an address.
    let start: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        start = .allocate(capacity: max(count, 1))
        start.initialize(repeating: 0, count: max(count, 1))
    }

    var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: start, count: count) }

    deinit { start.deallocate() }
}
