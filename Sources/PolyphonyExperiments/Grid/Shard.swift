import PolyphonyCore

/// A deterministic slice of an experiment's runs: `--shard i/n` takes every n-th run,
/// starting with the i-th, so n machines together run each session exactly once.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// 1-based slice number.
    public var index: Int
    /// How many slices there are.
    public var count: Int

    /// The whole grid.
    public static let all = Shard(uncheckedIndex: 1, count: 1)

    private init(uncheckedIndex index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `i/n` with 1 ≤ i ≤ n.
    /// - Throws: ``PolyphonyError/invalidInput(_:file:line:)`` for anything else.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, (1...count).contains(index) else {
            throw PolyphonyError.invalidInput("--shard should be i/n with 1 ≤ i ≤ n (e.g. 2/8), found '\(text)'")
        }
        self.init(uncheckedIndex: index, count: count)
    }

    /// The runs of this slice, in grid order.
    public func select(_ runs: [ExperimentRun]) -> [ExperimentRun] {
        runs.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
    }

    /// `i/n`, as given to `--shard`.
    public var description: String { "\(index)/\(count)" }
}
