import Foundation
import PolyphonyCore

/// A blind LLM judge: rates each idea on a rubric in several independent reviews and
/// aggregates them to a mean and a spread per dimension.
///
/// The judge sees only the topic and one idea, never its author, persona, group, protocol or
/// condition. An answer that is not valid rubric JSON is asked again, up to
/// ``attemptsPerReview`` times; a review still invalid after that is counted as failed, never
/// filled in. Backend errors (after the backend's own retries) stop the run.
public struct QualityJudge: Sendable {
    public let backend: any ChatBackend
    public var rubric: Rubric
    /// Independent reviews per idea.
    public var reviews: Int
    public var attemptsPerReview: Int
    /// Requests in flight at once.
    public var concurrency: Int
    public var model: String?
    /// Sampling temperature; above zero so reviews are independent draws.
    public var temperature: Double

    public init(
        backend: any ChatBackend, rubric: Rubric = .standard, reviews: Int = 3, attemptsPerReview: Int = 3,
        concurrency: Int = 4, model: String? = nil, temperature: Double = 0.7
    ) {
        self.backend = backend
        self.rubric = rubric
        self.reviews = max(1, reviews)
        self.attemptsPerReview = max(1, attemptsPerReview)
        self.concurrency = max(1, concurrency)
        self.model = model
        self.temperature = temperature
    }

    /// The outcome of one review: scores, or the last invalid answer.
    enum ReviewOutcome: Sendable {
        case scored([String: Int])
        case invalid(String)
    }

    /// One review of one idea.
    /// - Parameter review: The review's number; it seeds the request so reviews differ and replays repeat.
    func review(topic: String?, idea: String, review: Int) async throws -> ReviewOutcome {
        var last = ""
        for attempt in 0..<attemptsPerReview {
            let user = (topic.map { "Topic: \($0)\n\n" } ?? "") + "Idea:\n\(idea)"
            let request = ChatRequest(
                messages: [.system(rubric.systemPrompt()), .user(user)], model: model, temperature: temperature,
                maxTokens: 300, seed: UInt64(review * 1000 + attempt + 1), jsonSchema: rubric.answerSchema())
            let response = try await backend.complete(request)
            if let scores = rubric.scores(in: response.text) { return .scored(scores) }
            last = response.text
        }
        return .invalid(last)
    }

    /// Judges every idea of a report and returns the report with ``ScoreReport/quality`` and
    /// each idea's ``ScoredIdea/quality`` filled in.
    /// - Parameters:
    ///   - topics: Replaces the topic shown for ideas of a source, keyed by source id.
    ///   - tournament: When set, also runs a Swiss pairwise tournament.
    public func judge(_ report: ScoreReport, topics: [String: String] = [:], tournament: SwissTournament? = nil) async throws -> ScoreReport {
        var updated = report
        let items = report.ideas.map { (topic: topics[$0.source] ?? $0.prompt, text: $0.text) }
        let quality = try await judge(items, groups: report.ideas.map(\.group))
        var withTournament = quality
        if let tournament {
            withTournament.tournament = try await tournament.run(items, groups: report.ideas.map(\.group), backend: backend, model: model)
        }
        for entry in quality.ideas where updated.ideas.indices.contains(entry.index) {
            updated.ideas[entry.index].quality = entry.mean
        }
        updated.quality = withTournament
        return updated
    }

    /// Judges ideas given as (topic, text) pairs, in parallel up to ``concurrency`` requests.
    public func judge(_ items: [(topic: String?, text: String)], groups: [String]) async throws -> QualityReport {
        let jobs = items.indices.flatMap { index in (0..<reviews).map { (index, $0) } }
        var outcomes = [[ReviewOutcome]](repeating: [], count: items.count)
        try await withThrowingTaskGroup(of: (Int, ReviewOutcome).self) { group in
            var next = 0
            func launch() {
                guard next < jobs.count else { return }
                let (index, number) = jobs[next]
                next += 1
                let item = items[index]
                group.addTask { (index, try await review(topic: item.topic, idea: item.text, review: number)) }
            }
            for _ in 0..<min(concurrency, jobs.count) { launch() }
            while let (index, outcome) = try await group.next() {
                outcomes[index].append(outcome)
                launch()
            }
        }
        let dimensions = rubric.dimensionIDs
        let ideas = outcomes.enumerated().map { index, results in
            let scored = results.compactMap { outcome -> [String: Int]? in
                if case .scored(let scores) = outcome { return scores }
                return nil
            }
            var mean: [String: Double] = [:], spread: [String: Double] = [:]
            for dimension in dimensions where !scored.isEmpty {
                let values = scored.compactMap { $0[dimension] }.map(Double.init)
                let average = values.reduce(0, +) / Double(values.count)
                mean[dimension] = average
                spread[dimension] = (values.reduce(0) { $0 + ($1 - average) * ($1 - average) } / Double(values.count)).squareRoot()
            }
            return QualityReport.IdeaQuality(
                index: index, reviews: scored.count, failedReviews: results.count - scored.count, mean: mean, spread: spread)
        }
        let byGroup = ordered(Array(items.indices)) { groups.indices.contains($0) ? groups[$0] : "all" }.map { group, rows in
            let judged = rows.map { ideas[$0] }.filter { $0.reviews > 0 }
            var mean: [String: Double] = [:], meanSpread: [String: Double] = [:]
            for dimension in dimensions where !judged.isEmpty {
                mean[dimension] = judged.compactMap { $0.mean[dimension] }.reduce(0, +) / Double(judged.count)
                meanSpread[dimension] = judged.compactMap { $0.spread[dimension] }.reduce(0, +) / Double(judged.count)
            }
            return QualityReport.GroupQuality(group: group, ideas: judged.count, mean: mean, meanSpread: meanSpread)
        }
        let firstFailure = outcomes.lazy.flatMap { $0 }.compactMap { outcome -> String? in
            if case .invalid(let answer) = outcome { return Self.shortened(answer) }
            return nil
        }.first
        return QualityReport(
            rubric: "\(rubric.name)@\(rubric.version)", judge: backend.name, reviewsPerIdea: reviews, dimensions: dimensions,
            ideas: ideas, byGroup: byGroup, tournament: nil, firstFailure: firstFailure)
    }

    /// An answer on one line, at most 160 characters, quoted.
    static func shortened(_ answer: String) -> String {
        let flat = answer.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        if flat.isEmpty { return "an empty answer" }
        return flat.count > 160 ? "“\(flat.prefix(160))…”" : "“\(flat)”"
    }
}
