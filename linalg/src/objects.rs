//! Encrypted (or encoded) matrices and vectors: tiles of one value type `V` plus their shape and
//! encoding unit. `V` is an evaluator's value (ciphertexts, slot vectors, metadata) or plaintext.

use crate::unit::EncodingUnit;

/// What kind of object a shape describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A matrix.
    Matrix,
    /// A row vector (multiplies a matrix from the left; replicated along tile rows).
    Row,
    /// A column vector (multiplies a matrix from the right; replicated along tile columns).
    Col,
}

/// Kind, dimensions and unit of an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// The kind.
    pub kind: Kind,
    /// Rows (the length, for vectors).
    pub rows: usize,
    /// Columns (1 for vectors).
    pub cols: usize,
    /// The encoding unit.
    pub unit: EncodingUnit,
}

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            Kind::Matrix => write!(f, "{}x{} matrix ({})", self.rows, self.cols, self.unit),
            Kind::Row => write!(f, "row vector of length {} ({})", self.rows, self.unit),
            Kind::Col => write!(f, "column vector of length {} ({})", self.rows, self.unit),
        }
    }
}

/// An object stored as tiles: what element-wise operations need.
pub trait Tiled {
    /// The tile type.
    type Tile;
    /// The same kind of object with another tile type.
    type With<W>: Tiled<Tile = W>;
    /// The tiles, in order.
    fn tiles(&self) -> &[Self::Tile];
    /// Kind, dimensions and unit.
    fn shape(&self) -> Shape;
    /// An object of the same shape with these tiles (as many as `self` has).
    fn with_tiles<W>(&self, tiles: Vec<W>) -> Self::With<W>;
}

/// An `rows x cols` matrix as a row-major grid of `ceil(rows/m) x ceil(cols/n)` tiles.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix<V> {
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) unit: EncodingUnit,
    pub(crate) tiles: Vec<V>,
}

/// A row vector of length `len` as `ceil(len/m)` tiles (entry `(k, l)` of tile `i` is
/// `v[i m + k]`).
#[derive(Clone, Debug, PartialEq)]
pub struct RowVector<V> {
    pub(crate) len: usize,
    pub(crate) unit: EncodingUnit,
    pub(crate) tiles: Vec<V>,
}

/// A column vector of length `len` as `ceil(len/n)` tiles (entry `(k, l)` of tile `j` is
/// `u[j n + l]`).
#[derive(Clone, Debug, PartialEq)]
pub struct ColVector<V> {
    pub(crate) len: usize,
    pub(crate) unit: EncodingUnit,
    pub(crate) tiles: Vec<V>,
}

impl<V> Matrix<V> {
    /// A matrix from its tiles (row-major grid), as read back from storage.
    ///
    /// # Errors
    /// [`crate::LinalgError::BadData`] unless there are `ceil(rows/m) ceil(cols/n)` tiles;
    /// [`crate::LinalgError::Empty`] for a dimension of zero.
    pub fn from_tiles(
        rows: usize,
        cols: usize,
        unit: EncodingUnit,
        tiles: Vec<V>,
    ) -> crate::Result<Self> {
        if rows == 0 || cols == 0 {
            return Err(crate::LinalgError::Empty("Matrix::from_tiles"));
        }
        let want = rows.div_ceil(unit.height()) * cols.div_ceil(unit.width());
        if tiles.len() != want {
            return Err(crate::LinalgError::BadData {
                what: "matrix tiles",
                given: tiles.len(),
                rows: want,
                cols: 1,
            });
        }
        Ok(Self { rows, cols, unit, tiles })
    }

    /// The tiles, row-major.
    pub fn into_tiles(self) -> Vec<V> {
        self.tiles
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Columns.
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// The encoding unit.
    pub fn unit(&self) -> EncodingUnit {
        self.unit
    }
    /// Tile rows, `ceil(rows/m)`.
    pub fn tile_rows(&self) -> usize {
        self.rows.div_ceil(self.unit.height())
    }
    /// Tile columns, `ceil(cols/n)`.
    pub fn tile_cols(&self) -> usize {
        self.cols.div_ceil(self.unit.width())
    }
    /// Tile `(i, j)`.
    ///
    /// # Panics
    /// If out of range.
    pub fn tile(&self, i: usize, j: usize) -> &V {
        assert!(i < self.tile_rows() && j < self.tile_cols());
        &self.tiles[i * self.tile_cols() + j]
    }
}

/// Accessors and the [`Tiled`] implementation shared by the two vector kinds.
macro_rules! vector_kind {
    ($name:ident, $kind:expr) => {
        impl<V> $name<V> {
            /// A vector from its tiles, as read back from storage.
            ///
            /// # Errors
            /// [`crate::LinalgError::BadData`] for the wrong number of tiles;
            /// [`crate::LinalgError::Empty`] for length zero.
            pub fn from_tiles(
                len: usize,
                unit: EncodingUnit,
                tiles: Vec<V>,
            ) -> crate::Result<Self> {
                if len == 0 {
                    return Err(crate::LinalgError::Empty(stringify!($name)));
                }
                let per = match $kind {
                    Kind::Row => unit.height(),
                    _ => unit.width(),
                };
                if tiles.len() != len.div_ceil(per) {
                    return Err(crate::LinalgError::BadData {
                        what: "vector tiles",
                        given: tiles.len(),
                        rows: len.div_ceil(per),
                        cols: 1,
                    });
                }
                Ok(Self { len, unit, tiles })
            }

            /// The tiles.
            pub fn into_tiles(self) -> Vec<V> {
                self.tiles
            }

            /// The length.
            pub fn len(&self) -> usize {
                self.len
            }
            /// Always false: vectors have at least one entry.
            pub fn is_empty(&self) -> bool {
                self.len == 0
            }
            /// The encoding unit.
            pub fn unit(&self) -> EncodingUnit {
                self.unit
            }
        }

        impl<V> Tiled for $name<V> {
            type Tile = V;
            type With<W> = $name<W>;
            fn tiles(&self) -> &[V] {
                &self.tiles
            }
            fn shape(&self) -> Shape {
                Shape { kind: $kind, rows: self.len, cols: 1, unit: self.unit }
            }
            fn with_tiles<W>(&self, tiles: Vec<W>) -> $name<W> {
                debug_assert_eq!(tiles.len(), self.tiles.len());
                $name { len: self.len, unit: self.unit, tiles }
            }
        }
    };
}

vector_kind!(RowVector, Kind::Row);
vector_kind!(ColVector, Kind::Col);

impl<V> Tiled for Matrix<V> {
    type Tile = V;
    type With<W> = Matrix<W>;
    fn tiles(&self) -> &[V] {
        &self.tiles
    }
    fn shape(&self) -> Shape {
        Shape { kind: Kind::Matrix, rows: self.rows, cols: self.cols, unit: self.unit }
    }
    fn with_tiles<W>(&self, tiles: Vec<W>) -> Matrix<W> {
        debug_assert_eq!(tiles.len(), self.tiles.len());
        Matrix { rows: self.rows, cols: self.cols, unit: self.unit, tiles }
    }
}
