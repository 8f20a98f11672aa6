import ArgumentParser
import Foundation
import PolyphonyCore
import PolyphonyScoring

/// `polyphony rate`: a person rates ideas blind, and every finished idea is saved at once.
struct RateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rate",
        abstract: "Rate ideas blind, one at a time, on the rubric's dimensions.",
        discussion: """
            Shows the topic and one idea at a time, never who wrote it, their group
            or model, and asks for a score per rubric dimension. Type, then Enter:
              a number  rates the dimension (on the rubric's scale, 1–10 by default)
              s         skips the idea (saved as a skip: not offered again)
              b         goes back a dimension, or to the previous idea
              q         quits; everything rated so far is already saved

            Each idea's ratings are added to the ratings file (CSV: idea_id, source,
            rater, dimension, score, time) as soon as its last dimension is rated; a
            skip is saved at once as rows with an empty score, which agreement leaves
            out. Running the same command again resumes: ideas this rater has rated
            or skipped are not shown again (--retry-skipped offers the skipped ones).
            Going back to a skipped idea and rating it replaces the skip. Input may
            be piped.

            Examples:
              polyphony rate a.jsonl b.jsonl --ideas people.csv --rater ana --out ana.csv
              polyphony score a.jsonl b.jsonl --ideas people.csv --judge openai \\
                --ratings ana.csv ben.csv
            """
    )

    @Argument(help: "Transcript files (JSONL) whose ideas are rated.")
    var transcripts: [String] = []

    @Option(parsing: .upToNextOption, help: "Idea lists (.csv or .jsonl) whose ideas are rated, as `score --ideas` reads them.")
    var ideas: [String] = []

    @Option(help: "Your name, written in every row of the ratings file.")
    var rater: String

    @Option(help: "The ratings file: created if missing, added to if it exists.")
    var out = "ratings.csv"

    @Option(help: "The rubric file (default: the built-in rubrics/default.json).")
    var rubric: String?

    @Option(help: "Rate only these rubric dimensions, comma-separated (default: all).")
    var dimensions: String?

    @OptionGroup var logging: LoggingOptions

    @Flag(help: "Offer again the ideas you skipped before.")
    var retrySkipped = false

    func validate() throws {
        if transcripts.isEmpty && ideas.isEmpty {
            throw ValidationError("give at least one transcript or --ideas file")
        }
        if rater.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--rater must not be empty")
        }
    }

    func run() throws {
        // The ratings file is this command's own log; it must not be one of the ideas' files.
        try FileIdentity.refuseOverwriting(inputs: transcripts + ideas + [rubric].compactMap { $0 }, with: [out])
        var rubricFile = try rubric.map { try Rubric.load(path: $0) } ?? .standard
        if let dimensions {
            let wanted = dimensions.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for name in wanted where !rubricFile.dimensionIDs.contains(name) {
                throw PolyphonyError.invalidInput("--dimensions: '\(name)' is not a dimension of the rubric (\(rubricFile.dimensionIDs.joined(separator: ", ")))")
            }
            rubricFile.dimensions = rubricFile.dimensions.filter { wanted.contains($0.id) }
        }
        let pool = try IdeaPool.load(transcripts: transcripts, ideaLists: ideas)
        try RatingSession.refuseAmbiguous(pool.ideas)
        var session = RatingSession(
            rater: rater.trimmingCharacters(in: .whitespaces), rubric: rubricFile, ideas: pool.ideas, log: RatingsLog(path: out, logger: logging.logger))
        session.retrySkipped = retrySkipped
        let outcome = try session.run(
            input: { readLine(strippingNewline: true) },
            output: { FileHandle.standardOutput.write(Data($0.utf8)) })
        FileHandle.standardOutput.write(Data("Ratings: \(out) (\(outcome.rated) idea\(outcome.rated == 1 ? "" : "s") rated now\(outcome.skipped > 0 ? ", \(outcome.skipped) skipped" : ""), \(outcome.ratedBefore) before)\n".utf8))
    }
}
