//! The baseline circuit (Han, Hong, Cheon, Park): one minibatch per iteration, multiplicative
//! depth 5 per minibatch with the cubic sigmoid (in general `3 + ceil(log2(d + 1))`).
//!
//! Iteration `t` starts with `w_t` (and `w_{t-1}`) at level `l_t = L - 5t` and the minibatch
//! `Z_t` uploaded at `l_t`:
//!
//! ```text
//! l_t      v~_t = w_t + eta/(1-eta) w_{t-1}    (the scaled w_{t-1} comes from a higher level)
//! l_t - 2  u_t  = -(1 - eta) Z_t v~_t  = -Z_t v_t      matrix x column vector, the constant
//!                                                       folded into the mask
//! l_t - 4  s_t  = (gamma/b) p(u_t)                      cubic, constants folded
//! l_t - 5  w_{t+1} = v_t + s_t^T Z_t                    row vector x matrix
//! ```
//!
//! `v_t = (1 - eta) w_t + eta w_{t-1}` itself is formed off the critical path (the constant
//! multiplications take a level from values that have levels to spare), and `v_{t+1}` is never
//! needed at full depth: the next iteration folds it into its matrix product. For `t = 0` the
//! uploaded `v_0` is used directly. The model `w_k` ends at level `L - 5k`.

use crate::error::{CircuitError, ConfigFault, Result};
use crate::poly::{eval_odd, odd_depth};
use crate::protocol::{
    check_objects, encrypt_objects, take_col, take_matrix, Object, ObjectName, ObjectSpec, Objects,
    PlainObject, StateVector, VectorLayout,
};
use crate::reference::TrainConfig;
use ckks::eval::CkksEvaluator;
use linalg::{ColVector, EncodingUnit, LinAlg, Matrix, PlainMatrix};
use std::collections::BTreeMap;

/// The baseline's encrypted inputs.
#[derive(Clone, Debug)]
pub struct BaselineInputs<V> {
    /// The minibatches `Z_t`.
    pub z: Vec<Matrix<V>>,
    /// The initial model `w_0`.
    pub w0: ColVector<V>,
    /// The initial `v_0`.
    pub v0: ColVector<V>,
}

/// The upload name of the state vector `vector` (a column vector in the baseline).
fn state(vector: StateVector) -> ObjectName {
    ObjectName::State { vector, layout: VectorLayout::Col }
}

/// The upload name of minibatch `t` (never transposed in the baseline).
fn minibatch(t: usize) -> ObjectName {
    ObjectName::Minibatch { t, transposed: false }
}

/// `(w_k, w_{k-1})`.
pub type WithPrevious<V> = (ColVector<V>, ColVector<V>);

/// The baseline trainer for a configuration.
#[derive(Clone, Debug)]
pub struct Baseline {
    cfg: TrainConfig,
}

impl Baseline {
    /// The baseline for `cfg`.
    pub fn new(cfg: TrainConfig) -> Self {
        Self { cfg }
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.cfg
    }

    /// Depth of one iteration: 2 (matrix x vector) + the sigmoid + 1 (gradient).
    pub fn depth_per_minibatch(&self) -> usize {
        3 + odd_depth(self.cfg.sigmoid.degree())
    }

    /// Depth of the whole circuit.
    pub fn depth(&self) -> usize {
        self.depth_per_minibatch() * self.cfg.minibatches
    }

    /// The names of the uploaded objects: `Z_0 .. Z_{k-1}`, then `w_0`, `v_0` (column vectors).
    pub fn names(&self) -> Vec<ObjectName> {
        let mut names: Vec<ObjectName> = (0..self.cfg.minibatches).map(minibatch).collect();
        names.extend([state(StateVector::W), state(StateVector::V)]);
        names
    }

    /// What the client uploads, for `d` padded features, unit `unit` and inputs starting at
    /// `top` (the circuit needs `top >= depth()`): `Z_t` at `top - 5t`, and `w_0`, `v_0` at `top`.
    ///
    /// # Errors
    /// [`CircuitError::InvalidConfig`] if `top` is below the depth; as [`ObjectSpec::new`].
    pub fn inputs(&self, d: usize, unit: EncodingUnit, top: usize) -> Result<Vec<ObjectSpec>> {
        if top < self.depth() {
            return Err(CircuitError::InvalidConfig(ConfigFault::TooFewLevels {
                needed: self.depth(),
                top,
            }));
        }
        let b = self.cfg.batch_size;
        let per = self.depth_per_minibatch();
        self.names()
            .into_iter()
            .map(|name| match name {
                ObjectName::Minibatch { t, .. } => ObjectSpec::new(name, b, d, unit, top - per * t),
                _ => ObjectSpec::vector(name, d, unit, top),
            })
            .collect()
    }

    /// The plaintext of every upload from `z` (rows `y_i x_i`) and the state `(w_0, v_0)`.
    ///
    /// # Errors
    /// [`CircuitError::NotEnoughData`]; [`CircuitError::InvalidConfig`] for a state of the
    /// wrong length.
    pub fn plain_inputs(
        &self,
        z: &PlainMatrix,
        w0: &[f64],
        v0: &[f64],
    ) -> Result<BTreeMap<ObjectName, PlainObject>> {
        self.cfg.check(z.rows())?;
        if w0.len() != z.cols() || v0.len() != z.cols() {
            return Err(CircuitError::InvalidConfig(ConfigFault::StateLength {
                w: w0.len(),
                v: v0.len(),
                features: z.cols(),
            }));
        }
        let (b, d) = (self.cfg.batch_size, z.cols());
        let mut out = BTreeMap::new();
        for t in 0..self.cfg.minibatches {
            let batch = PlainMatrix::from_fn(b, d, |i, j| z.get(t * b + i, j));
            out.insert(minibatch(t), Object::Matrix(batch));
        }
        out.insert(state(StateVector::W), Object::Col(w0.to_vec()));
        out.insert(state(StateVector::V), Object::Col(v0.to_vec()));
        Ok(out)
    }

    /// Encrypts (or encodes, under a simulated evaluator) the inputs from `z` (rows
    /// `y_i x_i`), starting at `top`, with the state `(w_0, v_0)`.
    ///
    /// # Errors
    /// [`CircuitError::NotEnoughData`]; the toolkit's errors.
    pub fn encrypt_inputs<E: CkksEvaluator>(
        &self,
        la: &LinAlg<'_, E>,
        z: &PlainMatrix,
        w0: &[f64],
        v0: &[f64],
        unit: EncodingUnit,
        top: usize,
    ) -> Result<BaselineInputs<E::Value>> {
        let mut plain = self.plain_inputs(z, w0, v0)?;
        let specs = self.inputs(z.cols(), unit, top)?;
        let objects = encrypt_objects(la, &specs, |s| {
            plain.remove(&s.name()).ok_or(CircuitError::MissingObject { name: s.name() })
        })?;
        self.inputs_from(objects)
    }

    /// The inputs from named encrypted objects (as read back on the server), which must be
    /// exactly [`Baseline::names`].
    ///
    /// # Errors
    /// [`CircuitError::MissingObject`], [`CircuitError::UnexpectedObject`],
    /// [`CircuitError::ValueMismatch`].
    pub fn inputs_from<V>(&self, mut objects: Objects<V>) -> Result<BaselineInputs<V>> {
        check_objects(&objects, &self.names())?;
        let z = (0..self.cfg.minibatches)
            .map(|t| take_matrix(&mut objects, minibatch(t)))
            .collect::<Result<Vec<_>>>()?;
        let w0 = take_col(&mut objects, state(StateVector::W))?;
        let v0 = take_col(&mut objects, state(StateVector::V))?;
        Ok(BaselineInputs { z, w0, v0 })
    }

    /// Runs `k` iterations: the encrypted model `w_k`.
    ///
    /// # Errors
    /// The toolkit's errors (levels, keys, shapes).
    pub fn run<E: CkksEvaluator>(
        &self,
        la: &LinAlg<'_, E>,
        inputs: &BaselineInputs<E::Value>,
    ) -> Result<ColVector<E::Value>> {
        Ok(self.run_state(la, inputs)?.0)
    }

    /// Runs `k` iterations: `(w_k, w_{k-1})`, the state a later round resumes from
    /// (`v_k = (1 - eta_{k-1}) w_k + eta_{k-1} w_{k-1}`).
    ///
    /// # Errors
    /// As [`Baseline::run`].
    pub fn run_state<E: CkksEvaluator>(
        &self,
        la: &LinAlg<'_, E>,
        inputs: &BaselineInputs<E::Value>,
    ) -> Result<WithPrevious<E::Value>> {
        let cfg = &self.cfg;
        let etas = cfg.etas();
        let scale = cfg.gamma / cfg.batch_size as f64;
        let coeffs: Vec<f64> = cfg.sigmoid.coeffs.iter().map(|c| c * scale).collect();
        let mut w_prev: Option<ColVector<E::Value>> = None;
        let mut w = inputs.w0.clone();
        for (t, z) in inputs.z.iter().enumerate() {
            let l = la.level(z);
            // v_t (full, off the critical path) and v~_t = v_t / (1 - eta) (at level l).
            let (v, v_tilde, factor) = match &w_prev {
                None => (inputs.v0.clone(), la.align_to_level(&inputs.v0, l)?, 1.0),
                Some(wp) => {
                    let eta = etas[t - 1];
                    if (1.0 - eta).abs() < 1e-6 {
                        return Err(CircuitError::InvalidConfig(ConfigFault::EtaNearOne {
                            index: t - 1,
                            eta,
                        }));
                    }
                    let scaled = la.mul_scalar(wp, eta / (1.0 - eta))?;
                    let v_tilde =
                        la.add(&la.align_to_level(&w, l)?, &la.align_to_level(&scaled, l)?)?;
                    let a = la.mul_scalar(&w, 1.0 - eta)?;
                    let b = la.mul_scalar(wp, eta)?;
                    let lv = la.level(&a).min(la.level(&b));
                    let v = la.add(&la.align_to_level(&a, lv)?, &la.align_to_level(&b, lv)?)?;
                    (v, v_tilde, 1.0 - eta)
                }
            };
            let u = la.matrix_times_col(z, &v_tilde, -factor)?;
            let s = eval_odd(la, &u, &coeffs)?;
            let grad = la.row_times_matrix(&s, &la.align_to_level(z, la.level(&s))?)?;
            let next = la.add(&la.align_to_level(&v, la.level(&grad))?, &grad)?;
            w_prev = Some(std::mem::replace(&mut w, next));
        }
        let prev = w_prev.unwrap_or_else(|| inputs.w0.clone());
        Ok((w, prev))
    }
}

/// The unit for `d` features on `slots` slots: `d` rounded up to a power of two columns, the
/// rest rows.
///
/// # Errors
/// [`CircuitError::InvalidConfig`] if the features do not fit one row of slots.
pub fn lr_unit(slots: usize, d: usize) -> Result<EncodingUnit> {
    let width = d.max(1).next_power_of_two();
    if width > slots {
        return Err(CircuitError::InvalidConfig(ConfigFault::TooManyFeatures {
            features: d,
            slots,
        }));
    }
    Ok(EncodingUnit::for_slots(slots, slots / width)?)
}
