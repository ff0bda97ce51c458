//! [`LinAlg`]: encryption, encoding and element-wise operations of tiled objects, each tile
//! handled in parallel.

use crate::error::{LinalgError, Result};
use crate::layout;
use crate::objects::{ColVector, Matrix, RowVector, Shape, Tiled};
use crate::plain::PlainMatrix;
use crate::unit::EncodingUnit;
use ckks::eval::CkksEvaluator;
use ckks::scheme::rules;
use rayon::prelude::*;

/// The toolkit over one evaluator: everything here runs unchanged encrypted, in plaintext, as a
/// depth finder or as an op counter.
pub struct LinAlg<'e, E: CkksEvaluator> {
    pub(crate) e: &'e E,
}

/// Checks that two objects have the same kind, dimensions and unit.
pub(crate) fn same_shape(operation: &'static str, a: Shape, b: Shape) -> Result<()> {
    if a.unit != b.unit {
        return Err(LinalgError::UnitMismatch { operation, left: a.unit, right: b.unit });
    }
    if a != b {
        return Err(LinalgError::ShapeMismatch {
            operation,
            left: a.to_string(),
            right: b.to_string(),
            requirement: "the same kind of object with the same dimensions",
        });
    }
    Ok(())
}

/// Checks that two objects use the same unit.
pub(crate) fn same_unit(operation: &'static str, a: Shape, b: Shape) -> Result<()> {
    if a.unit != b.unit {
        return Err(LinalgError::UnitMismatch { operation, left: a.unit, right: b.unit });
    }
    Ok(())
}

impl<'e, E: CkksEvaluator> LinAlg<'e, E> {
    /// The toolkit over `e`.
    pub fn new(e: &'e E) -> Self {
        Self { e }
    }

    /// The evaluator.
    pub fn evaluator(&self) -> &'e E {
        self.e
    }

    /// The unit of `height` rows that fills the evaluator's slots.
    ///
    /// # Errors
    /// [`LinalgError::InvalidUnit`].
    pub fn unit(&self, height: usize) -> Result<EncodingUnit> {
        EncodingUnit::for_slots(self.e.slots(), height)
    }

    fn encrypt_tiles(&self, tiles: Vec<Vec<f64>>, level: usize) -> Result<Vec<E::Value>> {
        // In order, so that seeded encryption randomness is reproducible.
        Ok(tiles.iter().map(|t| self.e.encrypt(t, level)).collect::<ckks::Result<_>>()?)
    }

    fn encode_tiles(&self, tiles: Vec<Vec<f64>>, level: usize) -> Result<Vec<E::Plain>> {
        Ok(tiles.par_iter().map(|t| self.e.encode(t, level)).collect::<ckks::Result<_>>()?)
    }

    /// Encrypts `a` tile by tile at `level`.
    ///
    /// # Errors
    /// [`LinalgError::InvalidUnit`] if the unit does not fill the slots; the scheme's encoding
    /// errors.
    pub fn encrypt_matrix(
        &self,
        a: &PlainMatrix,
        unit: EncodingUnit,
        level: usize,
    ) -> Result<Matrix<E::Value>> {
        unit.check_slots(self.e.slots())?;
        let tiles = self.encrypt_tiles(layout::matrix_tiles(a, unit), level)?;
        Ok(Matrix { rows: a.rows(), cols: a.cols(), unit, tiles })
    }

    /// Encrypts `v` as a row vector at `level`.
    ///
    /// # Errors
    /// As [`LinAlg::encrypt_matrix`]; [`LinalgError::Empty`] for an empty vector.
    pub fn encrypt_row(
        &self,
        v: &[f64],
        unit: EncodingUnit,
        level: usize,
    ) -> Result<RowVector<E::Value>> {
        unit.check_slots(self.e.slots())?;
        non_empty(v, "encrypt_row")?;
        let tiles = self.encrypt_tiles(layout::row_vector_tiles(v, unit), level)?;
        Ok(RowVector { len: v.len(), unit, tiles })
    }

    /// Encrypts `u` as a column vector at `level`.
    ///
    /// # Errors
    /// As [`LinAlg::encrypt_row`].
    pub fn encrypt_col(
        &self,
        u: &[f64],
        unit: EncodingUnit,
        level: usize,
    ) -> Result<ColVector<E::Value>> {
        unit.check_slots(self.e.slots())?;
        non_empty(u, "encrypt_col")?;
        let tiles = self.encrypt_tiles(layout::col_vector_tiles(u, unit), level)?;
        Ok(ColVector { len: u.len(), unit, tiles })
    }

    /// Encodes `a` (a plaintext operand) at `level` and its nominal scale.
    ///
    /// # Errors
    /// As [`LinAlg::encrypt_matrix`].
    pub fn encode_matrix(
        &self,
        a: &PlainMatrix,
        unit: EncodingUnit,
        level: usize,
    ) -> Result<Matrix<E::Plain>> {
        unit.check_slots(self.e.slots())?;
        let tiles = self.encode_tiles(layout::matrix_tiles(a, unit), level)?;
        Ok(Matrix { rows: a.rows(), cols: a.cols(), unit, tiles })
    }

    /// Encodes `v` as a row vector at `level`.
    ///
    /// # Errors
    /// As [`LinAlg::encrypt_row`].
    pub fn encode_row(
        &self,
        v: &[f64],
        unit: EncodingUnit,
        level: usize,
    ) -> Result<RowVector<E::Plain>> {
        unit.check_slots(self.e.slots())?;
        non_empty(v, "encode_row")?;
        let tiles = self.encode_tiles(layout::row_vector_tiles(v, unit), level)?;
        Ok(RowVector { len: v.len(), unit, tiles })
    }

    /// Encodes `u` as a column vector at `level`.
    ///
    /// # Errors
    /// As [`LinAlg::encrypt_row`].
    pub fn encode_col(
        &self,
        u: &[f64],
        unit: EncodingUnit,
        level: usize,
    ) -> Result<ColVector<E::Plain>> {
        unit.check_slots(self.e.slots())?;
        non_empty(u, "encode_col")?;
        let tiles = self.encode_tiles(layout::col_vector_tiles(u, unit), level)?;
        Ok(ColVector { len: u.len(), unit, tiles })
    }

    // ----- tile-wise helpers ---------------------------------------------------------------

    pub(crate) fn map<T>(
        &self,
        a: &T,
        f: impl Fn(&E::Value) -> ckks::Result<E::Value> + Sync + Send,
    ) -> Result<T::With<E::Value>>
    where
        T: Tiled<Tile = E::Value>,
    {
        let tiles = a.tiles().par_iter().map(f).collect::<ckks::Result<Vec<_>>>()?;
        Ok(a.with_tiles(tiles))
    }

    fn zip<T, U>(
        &self,
        operation: &'static str,
        a: &T,
        b: &U,
        f: impl Fn(&E::Value, &U::Tile) -> ckks::Result<E::Value> + Sync + Send,
    ) -> Result<T::With<E::Value>>
    where
        T: Tiled<Tile = E::Value>,
        U: Tiled,
        U::Tile: Sync,
    {
        same_shape(operation, a.shape(), b.shape())?;
        let tiles = a
            .tiles()
            .par_iter()
            .zip(b.tiles())
            .map(|(x, y)| f(x, y))
            .collect::<ckks::Result<Vec<_>>>()?;
        Ok(a.with_tiles(tiles))
    }

    /// Multiplies by a plaintext encoded at the scale that makes the rescale land on the
    /// nominal scale, then rescales: one level.
    pub(crate) fn mul_mask(&self, v: &E::Value, mask: &[f64]) -> ckks::Result<E::Value> {
        self.e.rescale(&self.mul_mask_unrescaled(v, mask)?)
    }

    /// [`LinAlg::mul_mask`] before its rescale, for a caller that rotates and adds the
    /// product first and rescales last. The rotations' key switches then add their noise at
    /// the product's scale (about `2^40` times larger), where it is negligible, and a sum of
    /// `c` rotated copies no longer adds up `c` copies of the rescale's rounding noise: only
    /// the final rescale's remains. (Summing `c` copies multiplies that noise by about
    /// `sqrt(c)`: the epoch runs' packing, 128 copies at `N = 2^16`, became 7 times more
    /// precise.) The same level; the rotations run with one limb more.
    pub(crate) fn mul_mask_unrescaled(&self, v: &E::Value, mask: &[f64]) -> ckks::Result<E::Value> {
        let meta = self.e.meta(v);
        let scale = rules::const_scale(self.e.chain(), &meta);
        let pt = self.e.encode_with_scale(mask, meta.level, scale)?;
        self.e.mul_plain(v, &pt)
    }

    /// `v` masked, then `rotate_sum(_, step, count)`, then the mask's rescale
    /// ([`LinAlg::mul_mask_unrescaled`]): the masked replication of the sums and conversions.
    /// One level.
    pub(crate) fn replicate_masked(
        &self,
        v: &E::Value,
        mask: &[f64],
        step: i64,
        count: usize,
    ) -> ckks::Result<E::Value> {
        let masked = self.mul_mask_unrescaled(v, mask)?;
        self.e.rescale(&self.rotate_sum(&masked, step, count)?)
    }

    // ----- element-wise operations (depth 0 unless stated) -----------------------------------

    /// `a + b`. Depth 0, no rotation.
    ///
    /// # Errors
    /// [`LinalgError::ShapeMismatch`], [`LinalgError::UnitMismatch`], level or scale mismatch.
    pub fn add<T: Tiled<Tile = E::Value>>(&self, a: &T, b: &T) -> Result<T::With<E::Value>> {
        self.zip("add", a, b, |x, y| self.e.add(x, y))
    }

    /// `a - b`. Depth 0.
    ///
    /// # Errors
    /// As [`LinAlg::add`].
    pub fn sub<T: Tiled<Tile = E::Value>>(&self, a: &T, b: &T) -> Result<T::With<E::Value>> {
        self.zip("sub", a, b, |x, y| self.e.sub(x, y))
    }

    /// `-a`. Depth 0.
    ///
    /// # Errors
    /// None for well-formed values.
    pub fn neg<T: Tiled<Tile = E::Value>>(&self, a: &T) -> Result<T::With<E::Value>> {
        self.map(a, |x| self.e.neg(x))
    }

    /// `a + c` entry-wise (padding entries too). Depth 0.
    ///
    /// # Errors
    /// Encoding overflow.
    pub fn add_scalar<T: Tiled<Tile = E::Value>>(
        &self,
        a: &T,
        c: f64,
    ) -> Result<T::With<E::Value>> {
        self.map(a, |x| self.e.add_const(x, c))
    }

    /// `c a`, rescaled. Depth 1.
    ///
    /// # Errors
    /// Encoding overflow, level exhausted.
    pub fn mul_scalar<T: Tiled<Tile = E::Value>>(
        &self,
        a: &T,
        c: f64,
    ) -> Result<T::With<E::Value>> {
        self.map(a, |x| self.e.rescale(&self.e.mul_const(x, c)?))
    }

    /// `a + p` for a plaintext object of the same shape at the same level and scale. Depth 0.
    ///
    /// # Errors
    /// As [`LinAlg::add`].
    pub fn add_plain<T>(&self, a: &T, p: &T::With<E::Plain>) -> Result<T::With<E::Value>>
    where
        T: Tiled<Tile = E::Value>,
    {
        self.zip("add_plain", a, p, |x, y| self.e.add_plain(x, y))
    }

    /// `a - p`. Depth 0.
    ///
    /// # Errors
    /// As [`LinAlg::add`].
    pub fn sub_plain<T>(&self, a: &T, p: &T::With<E::Plain>) -> Result<T::With<E::Value>>
    where
        T: Tiled<Tile = E::Value>,
    {
        self.zip("sub_plain", a, p, |x, y| self.e.sub_plain(x, y))
    }

    /// `a o p` (entry-wise) for a plaintext object of the same shape, rescaled. Depth 1.
    ///
    /// # Errors
    /// As [`LinAlg::add`]; level exhausted.
    pub fn mul_plain<T>(&self, a: &T, p: &T::With<E::Plain>) -> Result<T::With<E::Value>>
    where
        T: Tiled<Tile = E::Value>,
    {
        self.zip("mul_plain", a, p, |x, y| self.e.rescale(&self.e.mul_plain(x, y)?))
    }

    /// `a o b` (Hadamard product), relinearized and rescaled. Depth 1.
    ///
    /// # Errors
    /// As [`LinAlg::add`] (scales may differ); a missing relinearization key; level exhausted.
    pub fn hadamard<T: Tiled<Tile = E::Value>>(&self, a: &T, b: &T) -> Result<T::With<E::Value>> {
        self.zip("hadamard", a, b, |x, y| self.e.mul_rescale(x, y))
    }

    /// `a o a`, relinearized and rescaled. Depth 1.
    ///
    /// # Errors
    /// A missing relinearization key; level exhausted.
    pub fn square<T: Tiled<Tile = E::Value>>(&self, a: &T) -> Result<T::With<E::Value>> {
        self.map(a, |x| self.e.rescale(&self.e.square_relin(x)?))
    }

    /// Every column of `a` multiplied entry-wise by the row vector `v` (`v_i A_ij`), rescaled.
    /// Depth 1.
    ///
    /// # Errors
    /// [`LinalgError::ShapeMismatch`] unless `v.len() == a.rows()`; unit, level mismatch.
    pub fn hadamard_row(
        &self,
        v: &RowVector<E::Value>,
        a: &Matrix<E::Value>,
    ) -> Result<Matrix<E::Value>> {
        same_unit("hadamard_row", v.shape(), a.shape())?;
        if v.len != a.rows {
            return Err(LinalgError::ShapeMismatch {
                operation: "hadamard_row",
                left: v.shape().to_string(),
                right: a.shape().to_string(),
                requirement: "the vector's length must equal the matrix's rows",
            });
        }
        let tc = a.tile_cols();
        let tiles = (0..a.tiles.len())
            .into_par_iter()
            .map(|t| self.e.mul_rescale(&a.tiles[t], &v.tiles[t / tc]))
            .collect::<ckks::Result<Vec<_>>>()?;
        Ok(a.with_tiles(tiles))
    }

    /// Every row of `a` multiplied entry-wise by the column vector `u` (`A_ij u_j`), rescaled.
    /// Depth 1.
    ///
    /// # Errors
    /// [`LinalgError::ShapeMismatch`] unless `u.len() == a.cols()`; unit, level mismatch.
    pub fn hadamard_col(
        &self,
        a: &Matrix<E::Value>,
        u: &ColVector<E::Value>,
    ) -> Result<Matrix<E::Value>> {
        same_unit("hadamard_col", a.shape(), u.shape())?;
        if u.len != a.cols {
            return Err(LinalgError::ShapeMismatch {
                operation: "hadamard_col",
                left: a.shape().to_string(),
                right: u.shape().to_string(),
                requirement: "the vector's length must equal the matrix's columns",
            });
        }
        let tc = a.tile_cols();
        let tiles = (0..a.tiles.len())
            .into_par_iter()
            .map(|t| self.e.mul_rescale(&a.tiles[t], &u.tiles[t % tc]))
            .collect::<ckks::Result<Vec<_>>>()?;
        Ok(a.with_tiles(tiles))
    }

    // ----- maintenance ---------------------------------------------------------------------

    /// The level of an object (all its tiles share it).
    pub fn level<T: Tiled<Tile = E::Value>>(&self, a: &T) -> usize {
        self.e.level(&a.tiles()[0])
    }

    /// The scale of an object.
    pub fn scale<T: Tiled<Tile = E::Value>>(&self, a: &T) -> f64 {
        self.e.scale(&a.tiles()[0])
    }

    /// Every tile brought to `level` at its nominal scale.
    ///
    /// # Errors
    /// A higher level.
    pub fn align_to_level<T: Tiled<Tile = E::Value>>(
        &self,
        a: &T,
        level: usize,
    ) -> Result<T::With<E::Value>> {
        self.map(a, |x| self.e.align_to_level(x, level))
    }

    /// Every tile rescaled.
    ///
    /// # Errors
    /// Level exhausted.
    pub fn rescale<T: Tiled<Tile = E::Value>>(&self, a: &T) -> Result<T::With<E::Value>> {
        self.map(a, |x| self.e.rescale(x))
    }

    /// Every tile relinearized.
    ///
    /// # Errors
    /// A missing relinearization key.
    pub fn relinearize<T: Tiled<Tile = E::Value>>(&self, a: &T) -> Result<T::With<E::Value>> {
        self.map(a, |x| self.e.relinearize(x))
    }
}

fn non_empty(v: &[f64], what: &'static str) -> Result<()> {
    if v.is_empty() {
        return Err(LinalgError::Empty(what));
    }
    Ok(())
}

/// Reads a matrix back, `f` turning each tile into its slots' real parts (decryption and
/// decoding, or a plaintext evaluator's values).
///
/// # Errors
/// Whatever `f` returns.
pub fn decode_matrix<V>(
    a: &Matrix<V>,
    f: impl Fn(&V) -> ckks::Result<Vec<f64>>,
) -> Result<PlainMatrix> {
    let tiles = a.tiles.iter().map(f).collect::<ckks::Result<Vec<_>>>()?;
    Ok(layout::matrix_from_tiles(a.rows, a.cols, a.unit, &tiles))
}

/// Reads a row vector back (see [`decode_matrix`]).
///
/// # Errors
/// Whatever `f` returns.
pub fn decode_row<V>(
    v: &RowVector<V>,
    f: impl Fn(&V) -> ckks::Result<Vec<f64>>,
) -> Result<Vec<f64>> {
    let tiles = v.tiles.iter().map(f).collect::<ckks::Result<Vec<_>>>()?;
    Ok(layout::row_vector_from_tiles(v.len, v.unit, &tiles))
}

/// Reads a column vector back (see [`decode_matrix`]).
///
/// # Errors
/// Whatever `f` returns.
pub fn decode_col<V>(
    u: &ColVector<V>,
    f: impl Fn(&V) -> ckks::Result<Vec<f64>>,
) -> Result<Vec<f64>> {
    let tiles = u.tiles.iter().map(f).collect::<ckks::Result<Vec<_>>>()?;
    Ok(layout::col_vector_from_tiles(u.len, u.unit, &tiles))
}
