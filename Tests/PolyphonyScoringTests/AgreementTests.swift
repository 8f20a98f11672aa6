import PolyphonyCore
import PolyphonyScoring
import Testing

/// Krippendorff's α, Spearman's ρ and the bootstrap against values worked out by hand or
/// published.
@Suite struct AgreementTests {
    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
    /// observers, twelve units, missing values; the paper reports α_interval = 0.849.
    /// Rows are units, each holding the values observers gave (unit 12 has one and drops out).
    static let krippendorff2011: [[Double]] = [
        [1, 1, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
        [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [5, 5, 5], [1, 1], [3],
    ]

    @Test func intervalAlphaReproducesKrippendorff2011sWorkedExample() throws {
        let alpha = try #require(Agreement.krippendorffAlphaInterval(Self.krippendorff2011))
        #expect(abs(alpha - 0.849) < 0.0005, "α = \(alpha)")
    }

    @Test func alphaIsOneForPerfectAgreementAndUndefinedWithoutVariation() {
        #expect(Agreement.krippendorffAlphaInterval([[1, 1], [5, 5], [3, 3, 3]]) == 1)
        #expect(Agreement.krippendorffAlphaInterval([[4, 4], [4, 4]]) == nil)
        #expect(Agreement.krippendorffAlphaInterval([[4], [2]]) == nil, "no unit is pairable")
    }

    @Test func alphaOfTwoCodersWhoDisagreeSystematicallyIsBelowZero() throws {
        // Coder B reverses coder A: observed disagreement exceeds what chance gives.
        let alpha = try #require(Agreement.krippendorffAlphaInterval([[1, 5], [2, 4], [4, 2], [5, 1]]))
        #expect(alpha < 0)
    }

    @Test func tiedValuesShareTheMeanOfTheRanksTheySpan() {
        #expect(Agreement.ranks([10, 20, 20, 30, 20]) == [1, 3, 3, 5, 3])
        #expect(Agreement.ranks([2, 1]) == [2, 1])
    }

    @Test func spearmanWithTiesIsPearsonOfAverageRanks() throws {
        // Ranks x = 1, 2.5, 2.5, 4 and y = 1, 3, 2, 4: Σdxdy = 4.5, Σdx² = 4.5, Σdy² = 5,
        // so ρ = 4.5 / √22.5 = 3/√10.
        let rho = try #require(Agreement.spearman([1, 2, 2, 3], [1, 3, 2, 4]))
        #expect(abs(rho - 3 / 10.0.squareRoot()) < 1e-12)
        #expect(Agreement.spearman([1, 2, 3], [30, 20, 10]) == -1)
        #expect(Agreement.spearman([1, 2, 3], [7, 7, 7]) == nil, "a constant side has no ranks to correlate")
    }

    @Test func bootstrapIntervalOfAMeanCoversTheTrueMean() throws {
        // 400 draws from U(0, 1), true mean 0.5.
        var generator = SplitMix64(seed: 42)
        let sample = (0..<400).map { _ in Double(generator.next() >> 11) / Double(1 << 53) }
        let interval = try #require(Agreement.bootstrapInterval(count: sample.count, seed: 7) { picked in
            picked.reduce(0) { $0 + sample[$1] } / Double(picked.count)
        })
        #expect(interval.lower < 0.5 && 0.5 < interval.upper, "\(interval)")
        // ±1.96·(1/√12)/√400 ≈ ±0.028: the interval is about 0.057 wide.
        #expect(interval.upper - interval.lower > 0.045 && interval.upper - interval.lower < 0.07)
    }

    @Test func bootstrapIntervalOfAlphaCoversItsEstimateAndRepeatsForTheSameSeed() throws {
        let units = Self.krippendorff2011.filter { $0.count >= 2 }
        let statistic: ([Int]) -> Double? = { picked in Agreement.krippendorffAlphaInterval(picked.map { units[$0] }) }
        let interval = try #require(Agreement.bootstrapInterval(count: units.count, seed: 3, statistic: statistic))
        #expect(interval.lower <= 0.849 && 0.849 <= interval.upper)
        let again = try #require(Agreement.bootstrapInterval(count: units.count, seed: 3, statistic: statistic))
        #expect(again == interval)
    }
}
