//! Encrypted linear algebra written once against [`ckks::eval::CkksEvaluator`]: it runs
//! encrypted, in plaintext, as a depth finder or as an op counter, and new model circuits are
//! written from it.
//!
//! # Layout
//! An [`EncodingUnit`] is an `m x n` tile of slots (`m n` = the slot count, both powers of two);
//! entry `(k, l)` of a tile lives in slot `k n + l`.
//! - A [`Matrix`] of `f x g` is a row-major grid of `ceil(f/m) x ceil(g/n)` tiles, zero padded.
//! - A [`RowVector`] of length `f` (it multiplies a matrix from the left) is `ceil(f/m)` tiles
//!   with entry `(k, l) = v[i m + k]` for every `l`.
//! - A [`ColVector`] of length `g` (it multiplies a matrix from the right) is `ceil(g/n)` tiles
//!   with entry `(k, l) = u[j n + l]` for every `k`.
//!
//! Matrix x column vector yields a row vector and row vector x matrix a column vector, so
//! gradient-style chains need no transposes.
//!
//! # Operations, depths and rotations
//! Element-wise: add, sub, neg, scalars, plaintext objects, Hadamard products (depth 1 for the
//! multiplications, which rescale), products of a matrix with a row or column vector
//! (`hadamard_row`, `hadamard_col`, depth 1). Sums and vector products: see [`products`].
//! Conversions between the vector layouts: see [`convert`]. Matrix products (depth 3): see
//! [`matmul`]. Every operation runs over tiles in parallel;
//! results do not depend on the thread count.
//!
//! ```
//! use ckks::eval::{CkksEvaluator, PlaintextEvaluator};
//! use ckks::ModulusChain;
//! use linalg::{LinAlg, PlainMatrix};
//!
//! let e = PlaintextEvaluator::new(ModulusChain::analysis(6, 4, 40)?); // 32 slots
//! let la = LinAlg::new(&e);
//! let unit = la.unit(4)?; // 4 x 8 tiles
//! let a = PlainMatrix::from_fn(5, 3, |i, j| (i + j) as f64);
//! let u = [1.0, 0.5, -1.0];
//! let ea = la.encrypt_matrix(&a, unit, 4)?;
//! let eu = la.encrypt_col(&u, unit, 4)?;
//! let au = la.matrix_times_col(&ea, &eu, 2.0)?; // 2 A u, depth 2
//! let got = linalg::decode_row(&au, |v| Ok(v.real()))?;
//! let want: Vec<f64> = a.mul_vec(&u).iter().map(|x| 2.0 * x).collect();
//! assert!(got.iter().zip(&want).all(|(g, w)| (g - w).abs() < 1e-12));
//! assert_eq!(la.level(&au), 2);
//! # Ok::<(), linalg::LinalgError>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod convert;
pub mod error;
pub mod layout;
pub mod matmul;
pub mod objects;
pub mod plain;
pub mod products;
mod toolkit;
pub mod unit;

pub use error::{LinalgError, Result};
pub use objects::{ColVector, Kind, Matrix, RowVector, Shape, Tiled};
pub use plain::PlainMatrix;
pub use products::transpose_unit;
pub use toolkit::{decode_col, decode_matrix, decode_row, LinAlg};
pub use unit::EncodingUnit;
