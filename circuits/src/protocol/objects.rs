//! Named objects in plaintext or encrypted, and the model the server returns.

use super::{Iterate, ObjectName, ObjectSpec, VectorLayout};
use crate::error::{CircuitError, Result};
use ckks::eval::CkksEvaluator;
use linalg::{layout, ColVector, Kind, LinAlg, Matrix, PlainMatrix, RowVector};
use std::collections::BTreeMap;

/// A named object in plaintext (client side, `M, R, C` plain) or encrypted.
#[derive(Clone, Debug)]
pub enum Object<M, R, C> {
    /// A matrix.
    Matrix(M),
    /// A row vector.
    Row(R),
    /// A column vector.
    Col(C),
}

/// A plaintext object.
pub type PlainObject = Object<PlainMatrix, Vec<f64>, Vec<f64>>;

/// An encrypted object.
pub type EncryptedObject<V> = Object<Matrix<V>, RowVector<V>, ColVector<V>>;

/// Encrypted objects by name: an upload, or a returned model.
pub type Objects<V> = BTreeMap<ObjectName, EncryptedObject<V>>;

impl<M, R, C> Object<M, R, C> {
    /// Matrix, row or column vector.
    pub fn kind(&self) -> Kind {
        match self {
            Object::Matrix(_) => Kind::Matrix,
            Object::Row(_) => Kind::Row,
            Object::Col(_) => Kind::Col,
        }
    }
}

impl PlainObject {
    /// Zeros of the spec's shape (what a planning run encrypts).
    pub fn zeros(spec: &ObjectSpec) -> Self {
        match spec.kind() {
            Kind::Matrix => {
                Object::Matrix(PlainMatrix::from_fn(spec.rows(), spec.cols(), |_, _| 0.0))
            }
            Kind::Row => Object::Row(vec![0.0; spec.rows()]),
            Kind::Col => Object::Col(vec![0.0; spec.rows()]),
        }
    }

    /// Whether the value has the spec's kind and shape.
    pub fn fits(&self, spec: &ObjectSpec) -> bool {
        spec.kind() == self.kind()
            && match self {
                Object::Matrix(m) => (m.rows(), m.cols()) == (spec.rows(), spec.cols()),
                Object::Row(v) | Object::Col(v) => v.len() == spec.rows(),
            }
    }

    /// The slots of each tile under the spec's unit, in tile order (what an encryptor encrypts
    /// one ciphertext at a time).
    ///
    /// # Errors
    /// [`CircuitError::ValueMismatch`] if the value is not of the spec's kind and shape.
    pub fn tiles(&self, spec: &ObjectSpec) -> Result<Vec<Vec<f64>>> {
        if !self.fits(spec) {
            return Err(CircuitError::ValueMismatch { name: spec.name(), kind: self.kind() });
        }
        Ok(match self {
            Object::Matrix(m) => layout::matrix_tiles(m, spec.unit()),
            Object::Row(v) => layout::row_vector_tiles(v, spec.unit()),
            Object::Col(v) => layout::col_vector_tiles(v, spec.unit()),
        })
    }
}

impl<V> EncryptedObject<V> {
    /// The object of `spec` from its tiles, as read back from storage.
    ///
    /// # Errors
    /// [`CircuitError::Linalg`] unless there are [`ObjectSpec::tiles`] tiles.
    pub fn from_tiles(spec: &ObjectSpec, tiles: Vec<V>) -> Result<Self> {
        Ok(match spec.kind() {
            Kind::Matrix => {
                Object::Matrix(Matrix::from_tiles(spec.rows(), spec.cols(), spec.unit(), tiles)?)
            }
            Kind::Row => Object::Row(RowVector::from_tiles(spec.rows(), spec.unit(), tiles)?),
            Kind::Col => Object::Col(ColVector::from_tiles(spec.rows(), spec.unit(), tiles)?),
        })
    }

    /// The tiles, in order.
    pub fn into_tiles(self) -> Vec<V> {
        match self {
            Object::Matrix(m) => m.into_tiles(),
            Object::Row(r) => r.into_tiles(),
            Object::Col(c) => c.into_tiles(),
        }
    }

    /// The spec of this object under `name`, its level read by the evaluator.
    ///
    /// # Errors
    /// As [`ObjectSpec::new`]; [`CircuitError::ValueMismatch`] if the name's kind differs.
    pub fn spec<E: CkksEvaluator<Value = V>>(
        &self,
        la: &LinAlg<'_, E>,
        name: ObjectName,
    ) -> Result<ObjectSpec> {
        if self.kind() != name.kind() {
            return Err(CircuitError::ValueMismatch { name, kind: self.kind() });
        }
        let (rows, cols, unit, level) = match self {
            Object::Matrix(m) => (m.rows(), m.cols(), m.unit(), la.level(m)),
            Object::Row(r) => (r.len(), 1, r.unit(), la.level(r)),
            Object::Col(c) => (c.len(), 1, c.unit(), la.level(c)),
        };
        ObjectSpec::new(name, rows, cols, unit, level)
    }
}

/// Encrypts (or encodes, under a simulated evaluator) the object of each spec at its level,
/// the values coming from `value`.
///
/// # Errors
/// [`CircuitError::ValueMismatch`] for a value of the wrong kind or shape; the toolkit's errors.
pub fn encrypt_objects<E: CkksEvaluator>(
    la: &LinAlg<'_, E>,
    specs: &[ObjectSpec],
    mut value: impl FnMut(&ObjectSpec) -> Result<PlainObject>,
) -> Result<Objects<E::Value>> {
    let mut out = BTreeMap::new();
    for s in specs {
        let value = value(s)?;
        if !value.fits(s) {
            return Err(CircuitError::ValueMismatch { name: s.name(), kind: value.kind() });
        }
        let obj = match value {
            Object::Matrix(m) => Object::Matrix(la.encrypt_matrix(&m, s.unit(), s.level())?),
            Object::Row(v) => Object::Row(la.encrypt_row(&v, s.unit(), s.level())?),
            Object::Col(v) => Object::Col(la.encrypt_col(&v, s.unit(), s.level())?),
        };
        out.insert(s.name(), obj);
    }
    Ok(out)
}

/// Checks that `objects` holds exactly the objects `names`, each of its name's kind.
///
/// # Errors
/// [`CircuitError::MissingObject`], [`CircuitError::UnexpectedObject`],
/// [`CircuitError::ValueMismatch`].
pub fn check_objects<V>(objects: &Objects<V>, names: &[ObjectName]) -> Result<()> {
    for name in names {
        match objects.get(name) {
            None => return Err(CircuitError::MissingObject { name: *name }),
            Some(o) if o.kind() != name.kind() => {
                return Err(CircuitError::ValueMismatch { name: *name, kind: o.kind() })
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = objects.keys().find(|n| !names.contains(n)) {
        return Err(CircuitError::UnexpectedObject { name: *extra });
    }
    Ok(())
}

/// Takes the matrix `name` out of `objects`.
///
/// # Errors
/// [`CircuitError::MissingObject`]; [`CircuitError::ValueMismatch`] for another kind.
pub fn take_matrix<V>(objects: &mut Objects<V>, name: ObjectName) -> Result<Matrix<V>> {
    match objects.remove(&name) {
        Some(Object::Matrix(m)) => Ok(m),
        Some(o) => Err(CircuitError::ValueMismatch { name, kind: o.kind() }),
        None => Err(CircuitError::MissingObject { name }),
    }
}

/// Takes the column vector `name` out of `objects`.
///
/// # Errors
/// As [`take_matrix`].
pub fn take_col<V>(objects: &mut Objects<V>, name: ObjectName) -> Result<ColVector<V>> {
    match objects.remove(&name) {
        Some(Object::Col(c)) => Ok(c),
        Some(o) => Err(CircuitError::ValueMismatch { name, kind: o.kind() }),
        None => Err(CircuitError::MissingObject { name }),
    }
}

/// Takes the row vector `name` out of `objects`.
///
/// # Errors
/// As [`take_matrix`].
pub fn take_row<V>(objects: &mut Objects<V>, name: ObjectName) -> Result<RowVector<V>> {
    match objects.remove(&name) {
        Some(Object::Row(r)) => Ok(r),
        Some(o) => Err(CircuitError::ValueMismatch { name, kind: o.kind() }),
        None => Err(CircuitError::MissingObject { name }),
    }
}

/// A model `w = row + col` as two partial vectors (either may be absent): the sums of the
/// gradients of each layout, added by the client after decryption.
#[derive(Clone, Debug)]
pub struct SplitModel<V> {
    /// The row-layout part.
    pub row: Option<RowVector<V>>,
    /// The column-layout part.
    pub col: Option<ColVector<V>>,
}

/// The model `w_k` and `w_{k-1}`.
pub type ModelAndPrevious<V> = (SplitModel<V>, SplitModel<V>);

impl<V> SplitModel<V> {
    /// The returned objects of this model as iterate `iterate`: one per present part.
    pub fn into_objects(self, iterate: Iterate) -> Objects<V> {
        let mut out = BTreeMap::new();
        if let Some(r) = self.row {
            out.insert(ObjectName::Weights { iterate, layout: VectorLayout::Row }, Object::Row(r));
        }
        if let Some(c) = self.col {
            out.insert(ObjectName::Weights { iterate, layout: VectorLayout::Col }, Object::Col(c));
        }
        out
    }

    /// The model `iterate` taken out of returned objects (absent parts stay `None`).
    ///
    /// # Errors
    /// [`CircuitError::ValueMismatch`] for a part of the wrong kind.
    pub fn take_from(objects: &mut Objects<V>, iterate: Iterate) -> Result<Self> {
        let row_name = ObjectName::Weights { iterate, layout: VectorLayout::Row };
        let col_name = ObjectName::Weights { iterate, layout: VectorLayout::Col };
        let row =
            objects.contains_key(&row_name).then(|| take_row(objects, row_name)).transpose()?;
        let col =
            objects.contains_key(&col_name).then(|| take_col(objects, col_name)).transpose()?;
        Ok(Self { row, col })
    }
}

/// Both returned models as objects (`w_k`, then `w_{k-1}`).
pub fn model_objects<V>((last, previous): ModelAndPrevious<V>) -> Objects<V> {
    let mut out = last.into_objects(Iterate::Last);
    out.extend(previous.into_objects(Iterate::Previous));
    out
}

/// Both models from the returned objects, which must hold nothing else.
///
/// # Errors
/// [`CircuitError::UnexpectedObject`]; as [`SplitModel::take_from`].
pub fn model_from_objects<V>(mut objects: Objects<V>) -> Result<ModelAndPrevious<V>> {
    let last = SplitModel::take_from(&mut objects, Iterate::Last)?;
    let previous = SplitModel::take_from(&mut objects, Iterate::Previous)?;
    if let Some(extra) = objects.keys().next() {
        return Err(CircuitError::UnexpectedObject { name: *extra });
    }
    Ok((last, previous))
}
