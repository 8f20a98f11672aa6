import Foundation
import PolyphonyCore

extension ChatBackend {
    /// Asks for `count` independent completions of `request` as parallel requests.
    ///
    /// Not every provider has OpenAI's `n`, and separate requests keep retries, the rate
    /// limiter and the cache per sample. Sample `i` uses seed `seed + i` (from 0 when the
    /// request has none), so samples differ from each other yet repeat run after run.
    /// - Returns: The completions in sample order.
    /// - Throws: The first failure; the other samples are cancelled.
    public func sample(_ request: ChatRequest, count: Int) async throws -> [ChatResponse] {
        guard count > 0 else { return [] }
        return try await withThrowingTaskGroup(of: (Int, ChatResponse).self) { group in
            for index in 0..<count {
                var variant = request
                variant.seed = (request.seed ?? 0) &+ UInt64(index)
                group.addTask { (index, try await complete(variant)) }
            }
            var results = [ChatResponse?](repeating: nil, count: count)
            for try await (index, response) in group { results[index] = response }
            return results.compactMap { $0 }
        }
    }
}
