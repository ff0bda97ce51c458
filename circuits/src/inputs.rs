//! What the client encrypts and uploads: an explicit description (name, kind, shape, unit,
//! level) that the experiments and the client/server workflow share.

use crate::error::Result;
use ckks::eval::CkksEvaluator;
use linalg::{ColVector, EncodingUnit, Kind, LinAlg, Matrix, PlainMatrix};

/// One uploaded object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputSpec {
    /// Its name in the circuit (`Z_3`, `w_0`, ...).
    pub name: String,
    /// Matrix, row vector or column vector.
    pub kind: Kind,
    /// Rows (the length, for vectors).
    pub rows: usize,
    /// Columns (1 for vectors).
    pub cols: usize,
    /// The encoding unit.
    pub unit: EncodingUnit,
    /// The level it is encrypted at.
    pub level: usize,
}

impl InputSpec {
    /// A description.
    pub fn new(
        name: String,
        kind: Kind,
        rows: usize,
        cols: usize,
        unit: EncodingUnit,
        level: usize,
    ) -> Self {
        Self { name, kind, rows, cols, unit, level }
    }

    /// How many ciphertexts it takes.
    pub fn ciphertexts(&self) -> usize {
        let (m, n) = (self.unit.height(), self.unit.width());
        match self.kind {
            Kind::Matrix => self.rows.div_ceil(m) * self.cols.div_ceil(n),
            Kind::Row => self.rows.div_ceil(m),
            Kind::Col => self.rows.div_ceil(n),
        }
    }

    /// Bytes uploaded for ring degree `n` (two polynomials of `level + 1` 8-byte limbs per
    /// ciphertext, no compression).
    pub fn bytes(&self, ring_degree: usize) -> usize {
        self.ciphertexts() * 2 * (self.level + 1) * ring_degree * 8
    }
}

/// The encrypted inputs of a training circuit.
#[derive(Clone, Debug)]
pub struct LrInputs<V> {
    /// The minibatches `Z_t`.
    pub z: Vec<Matrix<V>>,
    /// The initial model `w_0`.
    pub w0: ColVector<V>,
    /// The initial `v_0`.
    pub v0: ColVector<V>,
}

impl<V> LrInputs<V> {
    /// Encrypts inputs described by `specs` (`Z_t` then `w_0`, `v_0`) from the data.
    pub(crate) fn encrypt<E: CkksEvaluator<Value = V>>(
        la: &LinAlg<'_, E>,
        specs: &[InputSpec],
        z: &PlainMatrix,
        w0: &[f64],
        v0: &[f64],
        b: usize,
    ) -> Result<Self> {
        let d = z.cols();
        let mut mats = Vec::new();
        let mut w0_ct = None;
        let mut v0_ct = None;
        for s in specs {
            match s.name.as_str() {
                "w_0" => w0_ct = Some(la.encrypt_col(w0, s.unit, s.level)?),
                "v_0" => v0_ct = Some(la.encrypt_col(v0, s.unit, s.level)?),
                name => {
                    let t: usize = name[2..].parse().expect("Z_t names are generated here");
                    let batch = PlainMatrix::from_fn(b, d, |i, j| z.get(t * b + i, j));
                    mats.push(la.encrypt_matrix(&batch, s.unit, s.level)?);
                }
            }
        }
        Ok(Self {
            z: mats,
            w0: w0_ct.expect("w_0 is described"),
            v0: v0_ct.expect("v_0 is described"),
        })
    }
}
