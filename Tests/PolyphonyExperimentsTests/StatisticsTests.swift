import PolyphonyExperiments
import Testing

@Suite struct StatisticsTests {
    @Test func holmMultipliesTheIthSmallestPByMMinusIPlusOneAndKeepsTheRunningMaximum() {
        // By hand (Holm 1979; R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02):
        // sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → max(0.06, 0.04) = 0.06.
        let adjusted = Statistics.holm([0.01, 0.04, 0.03, 0.005])
        let expected = [0.03, 0.06, 0.06, 0.02]
        #expect(zip(adjusted, expected).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func holmCapsAtOneAndLeavesASingleTestAlone() {
        #expect(Statistics.holm([0.4, 0.5]) == [0.8, 0.8])
        #expect(Statistics.holm([0.7, 0.9]) == [1, 1])
        #expect(Statistics.holm([0.02]) == [0.02])
        #expect(Statistics.holm([]).isEmpty)
    }

    @Test func hedgesGAppliesTheSmallSampleCorrectionToCohensD() throws {
        // Means 2 and 4, both SDs 1 (values 1,2,3 and 3,4,5): d = 2; J = 1 − 3/(4·6 − 9) = 0.8.
        let g = try #require(Statistics.hedgesG([1, 2, 3], [3, 4, 5]))
        #expect(abs(g - 1.6) < 1e-12)
    }

    @Test func hedgesGUsesThePooledStandardDeviationOfUnequalGroups() throws {
        let a = [2.0, 4, 6, 8]          // mean 5, variance 20/3
        let b = [5.0, 6, 7]             // mean 6, variance 1
        let pooled = ((3 * 20.0 / 3 + 2 * 1) / 5).squareRoot()
        let expected = (1 - 3 / (4 * 7.0 - 9)) * (6 - 5) / pooled
        #expect(abs(try #require(Statistics.hedgesG(a, b)) - expected) < 1e-12)
    }

    @Test func hedgesGIsUndefinedWithoutSpreadOrWithSingleValues() {
        #expect(Statistics.hedgesG([1, 1], [1, 1]) == nil)
        #expect(Statistics.hedgesG([1], [1, 2]) == nil)
    }

    @Test func theStandardDeviationUsesNMinusOne() throws {
        #expect(abs(try #require(Statistics.standardDeviation([2, 4, 4, 4, 5, 5, 7, 9])) - (32.0 / 7).squareRoot()) < 1e-12)
    }
}
