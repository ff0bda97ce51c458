//! Sums of rows and columns and the vector-matrix products built on them.
//!
//! With an `m x n` unit and a matrix of `R x C` tiles:
//!
//! | operation | result | depth | rotations |
//! |---|---|---|---|
//! | [`LinAlg::sum_rows`] | column vector | 0 | `C log2 m` |
//! | [`LinAlg::sum_cols`] | row vector | 1 | `2 R log2 n` |
//! | [`LinAlg::sum_rows_of`] (matrices stacked) | column vector | 0 | `C log2 m` |
//! | [`LinAlg::sum_cols_of`] (matrices side by side) | row vector | 1 | `2 R log2 n` |
//! | [`LinAlg::row_times_matrix`] | column vector | 1 | `C log2 m` |
//! | [`LinAlg::matrix_times_col`] | row vector | 2 | `2 R log2 n` |
//! | [`LinAlg::row_times_matrix_mixed`] | column vector, transposed unit | 1 | `log2 n` |
//! | [`LinAlg::matrix_times_col_mixed`] | row vector | 2 | `2 R log2 n` |

use crate::error::{LinalgError, Result};
use crate::objects::{ColVector, Matrix, RowVector, Tiled};
use crate::toolkit::LinAlg;
use ckks::eval::CkksEvaluator;
use rayon::prelude::*;

impl<E: CkksEvaluator> LinAlg<'_, E> {
    /// `sum_{t < count} rotate(v, t step)` for a power of two `count`, by `log2 count`
    /// rotate-and-add steps.
    pub(crate) fn rotate_sum(
        &self,
        v: &E::Value,
        step: i64,
        count: usize,
    ) -> ckks::Result<E::Value> {
        let mut acc = v.clone();
        let mut t = 1;
        while t < count {
            let r = self.e.rotate(&acc, step * t as i64)?;
            self.e.add_assign(&mut acc, &r)?;
            t *= 2;
        }
        Ok(acc)
    }

    /// The sum of the rows of `a` (`sum_i A_ij`, a column vector of length `cols`): tiles of a
    /// tile column added, then rotations by `n, 2n, ..., (m/2) n` add the rows of a tile and
    /// replicate the result in every row. Depth 0; `C log2 m` rotations.
    ///
    /// # Errors
    /// A missing rotation key, a three-component input.
    pub fn sum_rows(&self, a: &Matrix<E::Value>) -> Result<ColVector<E::Value>> {
        self.sum_rows_of(std::slice::from_ref(a))
    }

    /// The sum of the rows of the matrices `parts` stacked one above the other
    /// (`sum_k sum_i (A_k)_ij`, a column vector of length `cols`), at the lowest of their
    /// levels: every tile of a tile column of every part added, then the rotations of one
    /// [`LinAlg::sum_rows`]. Depth 0; `C log2 m` rotations, whatever the number of parts.
    ///
    /// # Errors
    /// [`LinalgError::Empty`] for no part; [`LinalgError::UnitMismatch`] and
    /// [`LinalgError::ShapeMismatch`] unless every part has the first one's unit and columns;
    /// as [`LinAlg::sum_rows`].
    pub fn sum_rows_of(&self, parts: &[Matrix<E::Value>]) -> Result<ColVector<E::Value>> {
        let first = self.check_parts("sum_rows_of", parts, |a| a.cols, "the same columns")?;
        let (m, n) = (first.unit.height(), first.unit.width());
        let low = self.lowest(parts);
        let tiles = (0..first.tile_cols())
            .into_par_iter()
            .map(|j| {
                let column = parts
                    .iter()
                    .flat_map(|a| (0..a.tile_rows()).map(move |i| a.tile(i, j)))
                    .map(|t| self.e.align_to_level(t, low))
                    .collect::<ckks::Result<Vec<_>>>()?;
                self.rotate_sum(&self.e.sum(&column)?, n as i64, m)
            })
            .collect::<ckks::Result<Vec<_>>>()?;
        Ok(ColVector { len: first.cols, unit: first.unit, tiles })
    }

    /// `c` times the sum of the columns of `a` (`c sum_j A_ij`, a row vector of length `rows`):
    /// tiles of a tile row added, rotations by `1, 2, ..., n/2` gather each row's sum in column 0,
    /// a mask keeps that column (with `c` folded in: no extra depth), and rotations by
    /// `-1, ..., -n/2` replicate it along the row before the mask's rescale (see
    /// `LinAlg::mul_mask_unrescaled`). Depth 1; `2 R log2 n` rotations.
    ///
    /// # Errors
    /// A missing rotation key, level exhausted, a three-component input.
    pub fn sum_cols(&self, a: &Matrix<E::Value>, c: f64) -> Result<RowVector<E::Value>> {
        self.sum_cols_of(std::slice::from_ref(a), c)
    }

    /// `c` times the sum of the columns of the matrices `parts` side by side
    /// (`c sum_k sum_j (A_k)_ij`, a row vector of length `rows`), at the lowest of their
    /// levels: every tile of a tile row of every part added, then the rotations and the mask of
    /// one [`LinAlg::sum_cols`]. Depth 1; `2 R log2 n` rotations, whatever the number of parts.
    ///
    /// # Errors
    /// [`LinalgError::Empty`] for no part; [`LinalgError::UnitMismatch`] and
    /// [`LinalgError::ShapeMismatch`] unless every part has the first one's unit and rows; as
    /// [`LinAlg::sum_cols`].
    pub fn sum_cols_of(&self, parts: &[Matrix<E::Value>], c: f64) -> Result<RowVector<E::Value>> {
        let first = self.check_parts("sum_cols_of", parts, |a| a.rows, "the same rows")?;
        let n = first.unit.width();
        let mask: Vec<f64> =
            (0..first.unit.slots()).map(|s| if s % n == 0 { c } else { 0.0 }).collect();
        let low = self.lowest(parts);
        let tiles = (0..first.tile_rows())
            .into_par_iter()
            .map(|i| {
                let row = parts
                    .iter()
                    .flat_map(|a| (0..a.tile_cols()).map(move |j| a.tile(i, j)))
                    .map(|t| self.e.align_to_level(t, low))
                    .collect::<ckks::Result<Vec<_>>>()?;
                let gathered = self.rotate_sum(&self.e.sum(&row)?, 1, n)?;
                self.replicate_masked(&gathered, &mask, -1, n)
            })
            .collect::<ckks::Result<Vec<_>>>()?;
        Ok(RowVector { len: first.rows, unit: first.unit, tiles })
    }

    /// The first of `parts`, after checking that every part has its unit and its `dim`.
    fn check_parts<'p>(
        &self,
        operation: &'static str,
        parts: &'p [Matrix<E::Value>],
        dim: impl Fn(&Matrix<E::Value>) -> usize,
        requirement: &'static str,
    ) -> Result<&'p Matrix<E::Value>> {
        let first = parts.first().ok_or(LinalgError::Empty(operation))?;
        for a in &parts[1..] {
            if a.unit != first.unit {
                return Err(LinalgError::UnitMismatch {
                    operation,
                    left: first.unit,
                    right: a.unit,
                });
            }
            if dim(a) != dim(first) {
                return Err(LinalgError::ShapeMismatch {
                    operation,
                    left: first.shape().to_string(),
                    right: a.shape().to_string(),
                    requirement,
                });
            }
        }
        Ok(first)
    }

    /// The lowest level of `parts` (the sums align each tile to it as they gather it: one copy
    /// of each tile).
    fn lowest(&self, parts: &[Matrix<E::Value>]) -> usize {
        parts.iter().map(|a| self.level(a)).min().unwrap_or(0)
    }

    /// `v^T A` for a row vector `v` of length `rows`: a column vector of length `cols`.
    /// Depth 1; `C log2 m` rotations.
    ///
    /// # Errors
    /// Shape, unit or level mismatch; missing keys; level exhausted.
    pub fn row_times_matrix(
        &self,
        v: &RowVector<E::Value>,
        a: &Matrix<E::Value>,
    ) -> Result<ColVector<E::Value>> {
        self.sum_rows(&self.hadamard_row(v, a)?)
    }

    /// `c A u` for a column vector `u` of length `cols`: a row vector of length `rows`, with the
    /// constant folded into the mask. Depth 2; `2 R log2 n` rotations.
    ///
    /// # Errors
    /// Shape, unit or level mismatch; missing keys; level exhausted.
    pub fn matrix_times_col(
        &self,
        a: &Matrix<E::Value>,
        u: &ColVector<E::Value>,
        c: f64,
    ) -> Result<RowVector<E::Value>> {
        self.sum_cols(&self.hadamard_col(a, u)?, c)
    }

    /// `v^T A` with the result in the transposed (`n x m`) unit, for an `m x n` unit with
    /// `m <= n` and `A` of at most `m` columns: after the row sum, rotations by
    /// `-m, ..., -n/2` repeat the `m` leading columns along each row, which is the column-vector
    /// layout of the `n x m` unit. Depth 1; `log2 n` rotations (one tile column).
    ///
    /// # Errors
    /// [`LinalgError::ShapeMismatch`] if `m > n` or `A` has more than `m` columns; as
    /// [`LinAlg::row_times_matrix`].
    pub fn row_times_matrix_mixed(
        &self,
        v: &RowVector<E::Value>,
        a: &Matrix<E::Value>,
    ) -> Result<ColVector<E::Value>> {
        let (m, n) = (a.unit.height(), a.unit.width());
        if m > n || a.cols > m {
            return Err(LinalgError::ShapeMismatch {
                operation: "row_times_matrix_mixed",
                left: v.shape().to_string(),
                right: a.shape().to_string(),
                requirement: "an m x n unit with m <= n and at most m matrix columns",
            });
        }
        let w = self.row_times_matrix(v, a)?;
        let tile = self.rotate_sum(&w.tiles[0], -(m as i64), n / m)?;
        Ok(ColVector { len: a.cols, unit: a.unit.transpose(), tiles: vec![tile] })
    }

    /// `c A u` for a column vector `u` encoded in the transposed unit (as
    /// [`LinAlg::row_times_matrix_mixed`] returns it), `A` in an `m x n` unit with `m <= n` and
    /// at most `m` columns. No conversion is needed: the copies of `u` beyond column `m` meet
    /// the matrix's zero padding. Depth 2; `2 R log2 n` rotations.
    ///
    /// # Errors
    /// [`LinalgError::UnitMismatch`] unless `u` uses the transpose of `A`'s unit;
    /// [`LinalgError::ShapeMismatch`] as [`LinAlg::row_times_matrix_mixed`]; as
    /// [`LinAlg::matrix_times_col`].
    pub fn matrix_times_col_mixed(
        &self,
        a: &Matrix<E::Value>,
        u: &ColVector<E::Value>,
        c: f64,
    ) -> Result<RowVector<E::Value>> {
        let (m, n) = (a.unit.height(), a.unit.width());
        if u.unit != a.unit.transpose() {
            return Err(LinalgError::UnitMismatch {
                operation: "matrix_times_col_mixed",
                left: a.unit,
                right: u.unit,
            });
        }
        if m > n || a.cols > m || u.len != a.cols {
            return Err(LinalgError::ShapeMismatch {
                operation: "matrix_times_col_mixed",
                left: a.shape().to_string(),
                right: u.shape().to_string(),
                requirement: "an m x n unit with m <= n, at most m matrix columns, and a vector as long as the matrix is wide",
            });
        }
        self.matrix_times_col(a, &transpose_unit(u)?, c)
    }
}

/// Relabels a column vector's tiles with the transposed unit, without any homomorphic
/// operation. Allowed when the vector fits one tile of either unit (`len <= min(m, n)`): the
/// entries then sit in the right slots of the first `len` columns of every row, and the
/// remaining slots hold copies that products with a zero-padded matrix ignore. (Exactly the
/// canonical layout only for a square unit.)
///
/// # Errors
/// [`LinalgError::ShapeMismatch`] if the vector is longer than `min(m, n)`.
pub fn transpose_unit<V: Clone>(u: &ColVector<V>) -> Result<ColVector<V>> {
    let unit = u.unit;
    if u.len > unit.height().min(unit.width()) {
        return Err(LinalgError::ShapeMismatch {
            operation: "transpose_unit",
            left: u.shape().to_string(),
            right: unit.transpose().to_string(),
            requirement: "a vector no longer than the smaller unit dimension",
        });
    }
    Ok(ColVector { len: u.len, unit: unit.transpose(), tiles: u.tiles.clone() })
}
