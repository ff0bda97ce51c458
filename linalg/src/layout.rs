//! How objects are laid out in tiles of slots (see the crate docs), in both directions.

use crate::plain::PlainMatrix;
use crate::unit::EncodingUnit;

/// Tiles of an `f x g` matrix: a row-major grid of `ceil(f/m) x ceil(g/n)` tiles, entry
/// `(k, l)` of tile `(i, j)` (slot `k n + l`) holding `A[i m + k, j n + l]` (zero outside).
pub fn matrix_tiles(a: &PlainMatrix, unit: EncodingUnit) -> Vec<Vec<f64>> {
    let (m, n) = (unit.height(), unit.width());
    let (tr, tc) = (a.rows().div_ceil(m), a.cols().div_ceil(n));
    let mut tiles = Vec::with_capacity(tr * tc);
    for i in 0..tr {
        for j in 0..tc {
            let mut t = vec![0.0; m * n];
            for k in 0..m.min(a.rows() - i * m) {
                for l in 0..n.min(a.cols() - j * n) {
                    t[k * n + l] = a.get(i * m + k, j * n + l);
                }
            }
            tiles.push(t);
        }
    }
    tiles
}

/// Tiles of a row vector of length `f`: `ceil(f/m)` tiles, entry `(k, l)` of tile `i` holding
/// `v[i m + k]` for every `l` (each column of a tile is a copy of the chunk).
pub fn row_vector_tiles(v: &[f64], unit: EncodingUnit) -> Vec<Vec<f64>> {
    let (m, n) = (unit.height(), unit.width());
    (0..v.len().div_ceil(m))
        .map(|i| (0..m * n).map(|s| v.get(i * m + s / n).copied().unwrap_or(0.0)).collect())
        .collect()
}

/// Tiles of a column vector of length `g`: `ceil(g/n)` tiles, entry `(k, l)` of tile `j`
/// holding `u[j n + l]` for every `k` (each row of a tile is a copy of the chunk).
pub fn col_vector_tiles(u: &[f64], unit: EncodingUnit) -> Vec<Vec<f64>> {
    let n = unit.width();
    (0..u.len().div_ceil(n))
        .map(|j| (0..unit.slots()).map(|s| u.get(j * n + s % n).copied().unwrap_or(0.0)).collect())
        .collect()
}

/// The matrix read back from its tiles' slots.
pub fn matrix_from_tiles(
    rows: usize,
    cols: usize,
    unit: EncodingUnit,
    tiles: &[Vec<f64>],
) -> PlainMatrix {
    let (m, n) = (unit.height(), unit.width());
    let tc = cols.div_ceil(n);
    PlainMatrix::from_fn(rows, cols, |r, c| tiles[(r / m) * tc + c / n][(r % m) * n + c % n])
}

/// The row vector read back from column 0 of its tiles.
pub fn row_vector_from_tiles(len: usize, unit: EncodingUnit, tiles: &[Vec<f64>]) -> Vec<f64> {
    let (m, n) = (unit.height(), unit.width());
    (0..len).map(|r| tiles[r / m][(r % m) * n]).collect()
}

/// The column vector read back from row 0 of its tiles.
pub fn col_vector_from_tiles(len: usize, unit: EncodingUnit, tiles: &[Vec<f64>]) -> Vec<f64> {
    let n = unit.width();
    (0..len).map(|c| tiles[c / n][c % n]).collect()
}
