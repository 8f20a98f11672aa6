import Foundation
import PolyphonyExperiments
import Testing

/// Bootstrap intervals checked against distributions whose answers are known.
@Suite struct BootstrapTests {
    /// Standard normal draws by the Box–Muller transform, from the seeded generator.
    static func normalSample(count: Int, mean: Double, sd: Double, generator: inout SeededGenerator) -> [Double] {
        (0..<count).map { _ in
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            let u2 = Double.random(in: 0..<1, using: &generator)
            return mean + sd * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
        }
    }

    @Test func theIntervalOfTheMeanCoversTheTrueMeanAtCloseToTheNominalRate() {
        var generator = SeededGenerator(seed: 2024)
        let bootstrap = Bootstrap(resamples: 500, confidence: 0.95)
        let simulations = 300
        var covered = 0
        for simulation in 0..<simulations {
            let sample = Self.normalSample(count: 30, mean: 5, sd: 2, generator: &generator)
            if bootstrap.meanInterval(sample, seed: UInt64(simulation))?.contains(5) == true { covered += 1 }
        }
        let rate = Double(covered) / Double(simulations)
        // Binomial SE at 0.95 with 300 trials is about 0.013; the percentile bootstrap runs
        // slightly narrow at n = 30, so allow 0.90…0.985.
        #expect(rate > 0.90 && rate < 0.985, "coverage \(rate)")
    }

    @Test func theIntervalOfTheMeanMatchesTheAnalyticNormalIntervalForALargeSample() throws {
        var generator = SeededGenerator(seed: 7)
        let sample = Self.normalSample(count: 400, mean: 10, sd: 3, generator: &generator)
        let mean = try #require(Statistics.mean(sample))
        let sd = try #require(Statistics.standardDeviation(sample))
        let halfWidth = 1.959964 * sd / Double(sample.count).squareRoot()
        let interval = try #require(Bootstrap(resamples: 10_000).meanInterval(sample, seed: 1))
        // With n = 400 the sampling distribution of the mean is normal; the bootstrap endpoints
        // should sit within a few percent of the analytic ones (scaled by the half-width).
        #expect(abs(interval.lower - (mean - halfWidth)) < 0.08 * halfWidth, "\(interval) vs ±\(halfWidth) around \(mean)")
        #expect(abs(interval.upper - (mean + halfWidth)) < 0.08 * halfWidth, "\(interval) vs ±\(halfWidth) around \(mean)")
    }

    @Test func theIntervalOfADifferenceCoversTheTrueDifferenceAtCloseToTheNominalRate() {
        var generator = SeededGenerator(seed: 99)
        let bootstrap = Bootstrap(resamples: 500)
        let simulations = 200
        var covered = 0
        var excludedZero = 0
        for simulation in 0..<simulations {
            let a = Self.normalSample(count: 30, mean: 1, sd: 1, generator: &generator)
            let b = Self.normalSample(count: 30, mean: 2, sd: 1, generator: &generator)
            guard let interval = bootstrap.differenceInterval(a, b, seed: UInt64(simulation)) else { continue }
            if interval.contains(1) { covered += 1 }
            if interval.excludesZero { excludedZero += 1 }
        }
        let rate = Double(covered) / Double(simulations)
        #expect(rate > 0.89 && rate < 0.985, "coverage \(rate)")
        // A one-SD difference with 30 per group has power above 0.95 at the 5% level.
        #expect(Double(excludedZero) / Double(simulations) > 0.9)
    }

    @Test func theSameSeedGivesTheSameIntervalAndAnotherSeedADifferentOne() {
        let sample = [1.0, 4, 2, 8, 5, 7, 3, 3, 9]
        let bootstrap = Bootstrap(resamples: 500)
        #expect(bootstrap.meanInterval(sample, seed: 5) == bootstrap.meanInterval(sample, seed: 5))
        #expect(bootstrap.meanInterval(sample, seed: 5) != bootstrap.meanInterval(sample, seed: 6))
    }

    @Test func aConstantSampleHasAZeroWidthIntervalAndAnEmptyOneNone() {
        #expect(Bootstrap(resamples: 200).meanInterval([3, 3, 3], seed: 1) == Interval(lower: 3, upper: 3))
        #expect(Bootstrap().meanInterval([], seed: 1) == nil)
        #expect(Bootstrap().differenceInterval([1], [], seed: 1) == nil)
    }

    @Test func quantilesInterpolateBetweenOrderStatisticsLikeRType7() {
        let values = [1.0, 2, 3, 4, 5]
        #expect(Bootstrap.quantile(sorted: values, 0) == 1)
        #expect(Bootstrap.quantile(sorted: values, 1) == 5)
        #expect(Bootstrap.quantile(sorted: values, 0.5) == 3)
        #expect(abs(Bootstrap.quantile(sorted: values, 0.1) - 1.4) < 1e-12)
    }
}
