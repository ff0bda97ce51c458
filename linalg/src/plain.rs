//! Plaintext matrices (dense, row-major `f64`) and the reference operations every encrypted
//! result is checked against.

use crate::error::{LinalgError, Result};

/// A dense `rows x cols` matrix of `f64`, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct PlainMatrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl PlainMatrix {
    /// A matrix from its row-major entries.
    ///
    /// # Errors
    /// [`LinalgError::BadData`] if `data.len() != rows * cols`; [`LinalgError::Empty`] for a
    /// dimension of zero.
    pub fn new(rows: usize, cols: usize, data: Vec<f64>) -> Result<Self> {
        if rows == 0 || cols == 0 {
            return Err(LinalgError::Empty("PlainMatrix::new"));
        }
        if data.len() != rows * cols {
            return Err(LinalgError::BadData { what: "matrix", given: data.len(), rows, cols });
        }
        Ok(Self { rows, cols, data })
    }

    /// The matrix with entries `f(i, j)`.
    ///
    /// # Panics
    /// If a dimension is zero.
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> f64) -> Self {
        assert!(rows > 0 && cols > 0, "a matrix needs at least one row and one column");
        let data = (0..rows * cols).map(|t| f(t / cols, t % cols)).collect();
        Self { rows, cols, data }
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Entry `(i, j)`.
    ///
    /// # Panics
    /// If out of range.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        assert!(i < self.rows && j < self.cols);
        self.data[i * self.cols + j]
    }

    /// The row-major entries.
    pub fn data(&self) -> &[f64] {
        &self.data
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// The transpose.
    pub fn transpose(&self) -> Self {
        Self::from_fn(self.cols, self.rows, |i, j| self.get(j, i))
    }

    /// `c A`.
    pub fn scale(&self, c: f64) -> Self {
        Self { data: self.data.iter().map(|x| c * x).collect(), ..self.clone() }
    }

    /// Entry-wise `f(a, b)`.
    ///
    /// # Panics
    /// If the shapes differ.
    pub fn zip_with(&self, other: &Self, f: impl Fn(f64, f64) -> f64) -> Self {
        assert_eq!((self.rows, self.cols), (other.rows, other.cols));
        let data = self.data.iter().zip(&other.data).map(|(&a, &b)| f(a, b)).collect();
        Self { data, ..self.clone() }
    }

    /// `A B`.
    ///
    /// # Panics
    /// If the inner dimensions differ.
    pub fn matmul(&self, other: &Self) -> Self {
        assert_eq!(self.cols, other.rows);
        Self::from_fn(self.rows, other.cols, |i, j| {
            (0..self.cols).map(|t| self.get(i, t) * other.get(t, j)).sum()
        })
    }

    /// `A u` for `u` of length `cols`.
    ///
    /// # Panics
    /// If the length differs.
    pub fn mul_vec(&self, u: &[f64]) -> Vec<f64> {
        assert_eq!(u.len(), self.cols);
        (0..self.rows).map(|i| self.row(i).iter().zip(u).map(|(a, b)| a * b).sum()).collect()
    }

    /// `v^T A` for `v` of length `rows`.
    ///
    /// # Panics
    /// If the length differs.
    pub fn vec_mul(&self, v: &[f64]) -> Vec<f64> {
        assert_eq!(v.len(), self.rows);
        (0..self.cols).map(|j| (0..self.rows).map(|i| v[i] * self.get(i, j)).sum()).collect()
    }

    /// Sum of the rows (a vector of length `cols`).
    pub fn sum_rows(&self) -> Vec<f64> {
        self.vec_mul(&vec![1.0; self.rows])
    }

    /// Sum of the columns (a vector of length `rows`).
    pub fn sum_cols(&self) -> Vec<f64> {
        (0..self.rows).map(|i| self.row(i).iter().sum()).collect()
    }

    /// The Frobenius norm.
    pub fn norm(&self) -> f64 {
        self.data.iter().map(|x| x * x).sum::<f64>().sqrt()
    }
}
