//! Conversions between the two vector layouts.
//!
//! | operation | depth | rotations |
//! |---|---|---|
//! | [`LinAlg::row_to_col`] | 1 | `ceil(len/n) log2 m` |
//! | [`LinAlg::col_to_row`] | 2 | `2 ceil(len/m) log2 n` |

use crate::error::Result;
use crate::objects::{ColVector, RowVector};
use crate::toolkit::LinAlg;
use ckks::eval::CkksEvaluator;
use rayon::prelude::*;

impl<E: CkksEvaluator> LinAlg<'_, E> {
    /// `c v` as a column vector. For each output tile, the entries of the row-vector tiles
    /// that belong to it are masked (entry `(k, l)` of row tile `i` is kept where
    /// `i m + k = j n + l`: one per row, `c` folded in), the masked tiles are added, and
    /// rotations by `n, 2n, ..., (m/2) n` gather each column's single entry into every row,
    /// before the masks' rescale (see `LinAlg::mul_mask_unrescaled`). Depth 1;
    /// `ceil(len/n) log2 m` rotations.
    ///
    /// # Errors
    /// Missing rotation keys, level exhausted.
    pub fn row_to_col(&self, v: &RowVector<E::Value>, c: f64) -> Result<ColVector<E::Value>> {
        let unit = v.unit;
        let (m, n) = (unit.height(), unit.width());
        let len = v.len;
        let tiles = (0..len.div_ceil(n))
            .into_par_iter()
            .map(|j| {
                let first = (j * n) / m;
                let last = ((j + 1) * n - 1).min(len - 1) / m;
                let masked = (first..=last)
                    .map(|i| {
                        let mask: Vec<f64> = (0..unit.slots())
                            .map(|s| {
                                let idx = i * m + s / n;
                                if idx == j * n + s % n && idx < len {
                                    c
                                } else {
                                    0.0
                                }
                            })
                            .collect();
                        self.mul_mask_unrescaled(&v.tiles[i], &mask)
                    })
                    .collect::<ckks::Result<Vec<_>>>()?;
                self.e.rescale(&self.rotate_sum(&self.e.sum(&masked)?, n as i64, m)?)
            })
            .collect::<ckks::Result<Vec<_>>>()?;
        Ok(ColVector { len, unit, tiles })
    }

    /// `c u` as a row vector: the entries of the column-vector tiles that belong to each output
    /// tile are masked (kept where `j n + l = i m + k`), added, gathered into column 0 by
    /// rotations `1, ..., n/2`, masked to column 0 (with `c`) and replicated along the rows.
    /// Depth 2; `2 ceil(len/m) log2 n` rotations.
    ///
    /// # Errors
    /// Missing rotation keys, level exhausted.
    pub fn col_to_row(&self, u: &ColVector<E::Value>, c: f64) -> Result<RowVector<E::Value>> {
        let unit = u.unit;
        let (m, n) = (unit.height(), unit.width());
        let len = u.len;
        let col0: Vec<f64> = (0..unit.slots()).map(|s| if s % n == 0 { c } else { 0.0 }).collect();
        let tiles = (0..len.div_ceil(m))
            .into_par_iter()
            .map(|i| {
                let first = (i * m) / n;
                let last = ((i + 1) * m - 1).min(len - 1) / n;
                let masked = (first..=last)
                    .map(|j| {
                        let mask: Vec<f64> = (0..unit.slots())
                            .map(|s| {
                                let idx = j * n + s % n;
                                f64::from(u8::from(idx == i * m + s / n && idx < len))
                            })
                            .collect();
                        self.mul_mask_unrescaled(&u.tiles[j], &mask)
                    })
                    .collect::<ckks::Result<Vec<_>>>()?;
                let gathered = self.e.rescale(&self.rotate_sum(&self.e.sum(&masked)?, 1, n)?)?;
                self.replicate_masked(&gathered, &col0, -1, n)
            })
            .collect::<ckks::Result<Vec<_>>>()?;
        Ok(RowVector { len, unit, tiles })
    }
}
