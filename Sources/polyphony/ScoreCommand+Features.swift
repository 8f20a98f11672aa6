import ArgumentParser
import Foundation
import PolyphonyCore
import PolyphonyScoring

extension ScoreCommand {
    /// `polyphony score features IN.jsonl OUT.f64` (hidden): the learned originality model's
    /// features exactly as scoring computes them, for `scripts/originality/fit.py`.
    struct Features: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write originality-model features for a JSONL file of {text, prompt} rows (for the fitting script).",
            shouldDisplay: false
        )

        @Argument(help: "JSONL rows with `text` and `prompt`.")
        var input: String

        @Argument(help: "Output: little-endian float64, one row of features per input row.")
        var output: String

        @OptionGroup var embedding: EmbedderOptions

        private struct Row: Decodable {
            var text: String
            var prompt: String
        }

        func run() async throws {
            try FileIdentity.refuseOverwriting(inputs: [input], with: [output])
            guard let data = FileManager.default.contents(atPath: input) else {
                throw PolyphonyError.io("cannot read \(input)", file: input)
            }
            var rows: [Row] = []
            for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                do {
                    rows.append(try JSONDecoder().decode(Row.self, from: Data(line.utf8)))
                } catch {
                    throw PolyphonyError.invalidInput("not a {text, prompt} row", file: input, line: number + 1)
                }
            }
            let embedder = try embedding.make()
            let ideas = try await EmbeddingMatrix.embedding(rows.map(\.text), with: embedder)
            let prompts = Array(Set(rows.map(\.prompt))).sorted()
            let promptMatrix = try EmbeddingMatrix(try await embedder.embed(prompts)).normalized()
            var promptRows: [String: Int] = [:]
            for (index, prompt) in prompts.enumerated() { promptRows[prompt] = index }
            var bytes = Data()
            for (index, row) in rows.enumerated() {
                let features = OriginalityModel.features(
                    embedding: ideas.row(index), prompt: promptMatrix.row(promptRows[row.prompt] ?? 0), text: row.text)
                features.withUnsafeBufferPointer { bytes.append(Data(buffer: $0)) }
            }
            try AtomicFile.write(bytes, to: output)
            StandardError.writeLine("\(rows.count) rows × \(2 * ideas.dimension + 3) features: \(output)")
        }
    }
}
