import PolyphonyCore
import Testing
@testable import PolyphonyScoring

/// The d×d sums of disjoint cells give the Vendi score of any union of cells, and nothing else.
struct CellMomentsTests {
    private let matrix = EmbeddingMatrix.randomUnit(rows: 600, dimension: 16, seed: 12)
    private var cells: [[Int]] { [Array(0..<100), Array(100..<350), Array(350..<600)] }

    @Test func unionOfCellsHasTheVendiScoreOfItsRows() async throws {
        let moments = try #require(await CellMoments(matrix, cells: cells, budget: .max))
        let union = cells[0] + cells[2]
        let covariance = try #require(moments.covariance(of: union))
        let fromCells = try #require(try VendiScore.compute(covariance: covariance, dimension: 16))
        let fromRows = try #require(try await VendiScore.compute(matrix.subset(union)))
        #expect(abs(fromCells - fromRows) <= 1e-9 * fromRows)
    }

    @Test func rowsThatSplitACellAreNotAUnionOfCells() async throws {
        let moments = try #require(await CellMoments(matrix, cells: cells, budget: .max))
        #expect(moments.covariance(of: Array(0..<120)) == nil)
        #expect(moments.covariance(of: []) == nil)
    }

    @Test func cellsThatExceedTheBudgetAreNotKept() async {
        #expect(await CellMoments(matrix, cells: cells, budget: 3 * 16 * 16 * 8 - 1) == nil)
    }
}
