//! Matrix products `c A B`, depth 3, in two orientations (after the Homomorphic Implementor's
//! Toolkit): row-major from `A^T` and `B`, column-major from `A` and `B^T`. The first operand
//! must be one level above the second: it is masked once before they meet.
//!
//! Row-major, for each row `k` of `A` (`f` of them): the column `k` of `A^T` is rotated to
//! column 0 (the rotations of one tile are hoisted), masked, and replicated along the rows
//! (`log2 n` rotations per tile row of `A^T`): that is row `k` of `A` as a row vector. Its
//! product with `B` is a column vector holding row `k` of `A B` in every row; a mask with `c`
//! folded in keeps tile row `k mod m`, and the pieces are summed into the result.
//!
//! Rotations, with `T = ceil(g/m)` tile rows of `A^T` and `H = ceil(h/n)` tile columns of `B`:
//! `sum_k T (log2 n + [k mod n != 0]) + H log2 m`.
//!
//! Column-major, for each column `k` of `B` (`h`): row `k` of `B^T` rotated to row 0, masked and
//! replicated down the rows gives column `k` of `B` as a column vector; `A` times it, summed along
//! rows into column 0, masked (with `c`) and rotated right by `k mod n`, is column `k` of the
//! result. Rotations, with `G = ceil(g/n)` tile columns of `B^T` and `F = ceil(f/m)` tile rows
//! of `A`: `sum_k G (log2 m + [k mod m != 0]) + F (log2 n + [k mod n != 0])`.

use crate::error::{LinalgError, Result};
use crate::objects::{ColVector, Matrix, RowVector, Tiled};
use crate::toolkit::{same_unit, LinAlg};
use ckks::eval::CkksEvaluator;
use rayon::prelude::*;

/// How many rows (columns) share one hoisted decomposition.
const HOIST: usize = 8;

/// The documented rotation count of [`LinAlg::matmul_row_major`] for `A` of `f x g`, `B` of
/// `g x h`, unit `m x n`.
pub fn matmul_row_major_rotations(f: usize, g: usize, h: usize, m: usize, n: usize) -> usize {
    let (t, hh) = (g.div_ceil(m), h.div_ceil(n));
    (0..f).map(|k| t * (log2(n) + usize::from(k % n != 0)) + hh * log2(m)).sum()
}

/// The documented rotation count of [`LinAlg::matmul_col_major`].
pub fn matmul_col_major_rotations(f: usize, g: usize, h: usize, m: usize, n: usize) -> usize {
    let (gg, ff) = (g.div_ceil(n), f.div_ceil(m));
    (0..h)
        .map(|k| {
            gg * (log2(m) + usize::from(k % m != 0)) + ff * (log2(n) + usize::from(k % n != 0))
        })
        .sum()
}

fn log2(x: usize) -> usize {
    x.trailing_zeros() as usize
}

impl<E: CkksEvaluator> LinAlg<'_, E> {
    /// `c A B` from `A^T` (`g x f`, level `l`) and `B` (`g x h`, level `l - 1`), both in the same
    /// unit: an `f x h` matrix at level `l - 3`. Depth 3 (from `A^T`); rotation count in the
    /// module docs.
    ///
    /// # Errors
    /// [`LinalgError::UnitMismatch`]; [`LinalgError::ShapeMismatch`] unless both have `g` rows;
    /// a level mismatch if `B` is not one level below `A^T`; missing keys; level exhausted.
    pub fn matmul_row_major(
        &self,
        a_t: &Matrix<E::Value>,
        b: &Matrix<E::Value>,
        c: f64,
    ) -> Result<Matrix<E::Value>> {
        same_unit("matmul_row_major", a_t.shape(), b.shape())?;
        if a_t.rows != b.rows {
            return Err(LinalgError::ShapeMismatch {
                operation: "matmul_row_major",
                left: a_t.shape().to_string(),
                right: b.shape().to_string(),
                requirement: "A^T and B must have the same number of rows",
            });
        }
        let unit = a_t.unit;
        let (m, n) = (unit.height(), unit.width());
        let (f, h) = (a_t.cols, b.cols);
        let col0: Vec<f64> = (0..unit.slots()).map(|s| f64::from(u8::from(s % n == 0))).collect();
        // Chunks of rows k that share a tile column of A^T (and so its hoisted rotations).
        let chunks: Vec<(usize, usize)> = (0..f.div_ceil(n))
            .flat_map(|tj| (tj * n..f.min((tj + 1) * n)).step_by(HOIST).map(move |k| (k, tj)))
            .collect();
        let pieces: Vec<Vec<(usize, Vec<E::Value>)>> = chunks
            .par_iter()
            .map(|&(k0, tj)| {
                let ks: Vec<usize> = (k0..f.min(k0 + HOIST).min((tj + 1) * n)).collect();
                let steps: Vec<i64> = ks.iter().map(|&k| (k % n) as i64).collect();
                // rotated[i][q]: tile (i, tj) of A^T rotated left by ks[q] mod n.
                let rotated = (0..a_t.tile_rows())
                    .map(|i| self.e.rotate_hoisted(a_t.tile(i, tj), &steps))
                    .collect::<ckks::Result<Vec<_>>>()?;
                ks.iter()
                    .enumerate()
                    .map(|(q, &k)| {
                        let row_tiles = rotated
                            .iter()
                            .map(|r| self.replicate_masked(&r[q], &col0, -1, n))
                            .collect::<ckks::Result<Vec<_>>>()?;
                        let row_k = RowVector { len: a_t.rows, unit, tiles: row_tiles };
                        let prod = self.row_times_matrix(&row_k, b)?;
                        let mask: Vec<f64> = (0..unit.slots())
                            .map(|s| if s / n == k % m { c } else { 0.0 })
                            .collect();
                        let masked = prod
                            .tiles
                            .iter()
                            .map(|t| self.mul_mask(t, &mask))
                            .collect::<ckks::Result<Vec<_>>>()?;
                        Ok((k, masked))
                    })
                    .collect::<Result<Vec<_>>>()
            })
            .collect::<Result<Vec<_>>>()?;
        // Sum the pieces of each tile row, in increasing k.
        let (tr, tc) = (f.div_ceil(m), h.div_ceil(n));
        let tiles = self.accumulate(tr * tc, pieces, |k, j| (k / m) * tc + j)?;
        Ok(Matrix { rows: f, cols: h, unit, tiles })
    }

    /// `c A B` from `A` (`f x g`, level `l - 1`) and `B^T` (`h x g`, level `l`), both in the same
    /// unit: an `f x h` matrix at level `l - 3`. Depth 3 (from `B^T`); rotation count in the
    /// module docs.
    ///
    /// # Errors
    /// As [`LinAlg::matmul_row_major`], with `A` and `B^T` needing the same number of columns.
    pub fn matmul_col_major(
        &self,
        a: &Matrix<E::Value>,
        b_t: &Matrix<E::Value>,
        c: f64,
    ) -> Result<Matrix<E::Value>> {
        same_unit("matmul_col_major", a.shape(), b_t.shape())?;
        if a.cols != b_t.cols {
            return Err(LinalgError::ShapeMismatch {
                operation: "matmul_col_major",
                left: a.shape().to_string(),
                right: b_t.shape().to_string(),
                requirement: "A and B^T must have the same number of columns",
            });
        }
        let unit = a.unit;
        let (m, n) = (unit.height(), unit.width());
        let (f, h) = (a.rows, b_t.rows);
        let row0: Vec<f64> = (0..unit.slots()).map(|s| f64::from(u8::from(s < n))).collect();
        let col0: Vec<f64> = (0..unit.slots()).map(|s| if s % n == 0 { c } else { 0.0 }).collect();
        let chunks: Vec<(usize, usize)> = (0..h.div_ceil(m))
            .flat_map(|ti| (ti * m..h.min((ti + 1) * m)).step_by(HOIST).map(move |k| (k, ti)))
            .collect();
        let pieces: Vec<Vec<(usize, Vec<E::Value>)>> = chunks
            .par_iter()
            .map(|&(k0, ti)| {
                let ks: Vec<usize> = (k0..h.min(k0 + HOIST).min((ti + 1) * m)).collect();
                let steps: Vec<i64> = ks.iter().map(|&k| ((k % m) * n) as i64).collect();
                let rotated = (0..b_t.tile_cols())
                    .map(|j| self.e.rotate_hoisted(b_t.tile(ti, j), &steps))
                    .collect::<ckks::Result<Vec<_>>>()?;
                ks.iter()
                    .enumerate()
                    .map(|(q, &k)| {
                        let col_tiles = rotated
                            .iter()
                            .map(|r| self.replicate_masked(&r[q], &row0, -(n as i64), m))
                            .collect::<ckks::Result<Vec<_>>>()?;
                        let col_k = ColVector { len: b_t.cols, unit, tiles: col_tiles };
                        let prod = self.hadamard_col(a, &col_k)?;
                        let placed = (0..prod.tile_rows())
                            .map(|i| {
                                let row: Vec<E::Value> = (0..prod.tile_cols())
                                    .map(|j| prod.tile(i, j).clone())
                                    .collect();
                                let gathered = self.rotate_sum(&self.e.sum(&row)?, 1, n)?;
                                let masked = self.mul_mask_unrescaled(&gathered, &col0)?;
                                self.e.rescale(&self.e.rotate(&masked, -((k % n) as i64))?)
                            })
                            .collect::<ckks::Result<Vec<_>>>()?;
                        Ok((k, placed))
                    })
                    .collect::<Result<Vec<_>>>()
            })
            .collect::<Result<Vec<_>>>()?;
        let (tr, tc) = (f.div_ceil(m), h.div_ceil(n));
        let tiles = self.accumulate(tr * tc, pieces, |k, i| i * tc + k / n)?;
        Ok(Matrix { rows: f, cols: h, unit, tiles })
    }

    /// Sums the pieces of every row (column) `k` into the result tiles, in increasing `k`:
    /// piece `q` of `k` goes to tile `index(k, q)`.
    fn accumulate(
        &self,
        count: usize,
        pieces: Vec<Vec<(usize, Vec<E::Value>)>>,
        index: impl Fn(usize, usize) -> usize,
    ) -> Result<Vec<E::Value>> {
        let mut tiles: Vec<Option<E::Value>> = vec![None; count];
        for (k, parts) in pieces.into_iter().flatten() {
            for (q, t) in parts.into_iter().enumerate() {
                let slot = &mut tiles[index(k, q)];
                match slot {
                    None => *slot = Some(t),
                    Some(acc) => self.e.add_assign(acc, &t)?,
                }
            }
        }
        Ok(tiles.into_iter().map(|t| t.expect("every result tile receives a piece")).collect())
    }
}
