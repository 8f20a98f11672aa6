import Foundation

/// The d×d second-moment matrices EᵀE of disjoint cells of rows (a report's group × round ×
/// kind cells), computed in one pass over the rows, so the matrix of any union of cells (a
/// group, a round, a kind, the whole pool) is a sum of d×d matrices instead of another pass
/// over its rows. Σ xxᵀ over a union is the sum over its cells; only the order of the
/// floating-point additions differs from summing the rows directly, which moves a Vendi score
/// by about 1e-13 of its value (`CellMomentsTests` holds it within 1e-9).
struct CellMoments: Sendable {
    let dimension: Int
    /// Each row's cell, or -1 for rows in no cell.
    let cellOf: [Int32]
    let sizes: [Int]
    /// Each cell's EᵀE, d×d row-major, both triangles filled.
    let moments: [[Double]]

    /// - Parameters:
    ///   - cells: Disjoint row lists.
    ///   - budget: Bytes the matrices may take; with more cells than fit, returns `nil`.
    init?(_ matrix: EmbeddingMatrix, cells: [[Int]], budget: Int) async {
        let d = matrix.dimension
        guard !cells.isEmpty, cells.count * d * d * MemoryLayout<Double>.stride <= budget else { return nil }
        var cellOf = [Int32](repeating: -1, count: matrix.rows)
        for (cell, rows) in cells.enumerated() {
            for row in rows {
                guard cellOf[row] < 0 else { return nil }
                cellOf[row] = Int32(cell)
            }
        }
        var moments: [[Double]] = []
        moments.reserveCapacity(cells.count)
        for rows in cells { moments.append(await SimilarityMatrices.covariance(matrix, rows: rows)) }
        self.dimension = d
        self.cellOf = cellOf
        self.sizes = cells.map(\.count)
        self.moments = moments
    }

    /// EᵀE of `rows` when they are exactly a union of whole cells (each row once), summed over
    /// those cells in cell order; `nil` otherwise.
    func covariance(of rows: [Int]) -> [Double]? {
        guard !rows.isEmpty else { return nil }
        var used = Set<Int32>()
        for row in rows {
            let cell = cellOf[row]
            guard cell >= 0 else { return nil }
            used.insert(cell)
        }
        let cells = used.sorted()
        guard cells.reduce(0, { $0 + sizes[Int($1)] }) == rows.count else { return nil }
        var total = moments[Int(cells[0])]
        total.withUnsafeMutableBufferPointer { t in
            for cell in cells.dropFirst() {
                moments[Int(cell)].withUnsafeBufferPointer { m in
                    for k in 0..<t.count { t[k] += m[k] }
                }
            }
        }
        return total
    }
}
