//! The low-depth circuit: the same iterates as the baseline at about 2.5 levels per minibatch,
//! by unrolling the Nesterov recurrence one step, pipelining, and duplicating work.
//!
//! # The idea
//! With `u_t = -Z_t v_t` (a vector over the samples of minibatch `t`), `s_t = (gamma/b) p(u_t)`
//! and `grad_t = Z_t^T s_t`, the update `w_{t+1} = v_t + grad_t`,
//! `v_{t+1} = (1 - eta_t) w_{t+1} + eta_t w_t` is linear in the gradients, so
//!
//! ```text
//! u_{t+1} = -(1 - eta_t) G_{t+1} s_t  +  Z_{t+1} y_t,    G_{t+1} = Z_{t+1} Z_t^T  (b x b, uploaded)
//! y_t     = -(1 - eta_t) v_t - eta_t w_t                 (a combination of grad_0 .. grad_{t-1})
//! ```
//!
//! Only the first term waits for `u_t`; `y_t` needs gradients up to `t - 1`, which are ready in
//! time. The cubic is never formed before the product:
//! `G (c_1 u + c_3 u o u o u) = sum (c_1 G o u) + ((c_3 G o u) o (u o u))`, the Hadamard with
//! `u` and the square of `u` running side by side, so `G_{t+1} s_t` costs 2 levels after `u_t`
//! plus the final sum: free (sum of rows, when `u_t` is a row vector, giving a column vector)
//! or one masked level (sum of columns, when `u_t` is a column vector, giving a row vector).
//! The layout of `u_t` therefore alternates and two iterations cost `2 + 3 = 5` levels.
//!
//! # Schedule (degree-3 sigmoid, zero start `w_0 = v_0 = 0`)
//! `D_t` is the depth at which `u_t` is ready; `A` marks a row-vector `u_t`, `B` a column vector.
//!
//! ```text
//! t = 0          s_0 = (gamma/b) p(0) is a constant:  grad_0 = sum of columns of Z_0^T   depth 1 (row)
//!                u_1 = c (G_1 1): sum of columns of G_1                                   D_1 = 1 (A)
//! t odd  (A)     G-term: (c' G^T o u) o (u o u), summed over rows        -> u_{t+1}, column  D + 2
//!                Z-term: y_t (row) x (f Z_{t+1}^T)                        -> column           D + 2
//!                grad_t = s_t (row) x Z_t                                 -> column vector    D + 3
//! t even (B)     G-term: (c' G o u) o (u o u), summed over columns (mask) -> u_{t+1}, row     D + 3
//!                Z-term: Z_{t+1} x y_t (column), f in the mask            -> row              D + 3
//!                grad_t = Z_t^T x s_t (column)                            -> row vector       D + 4
//! ```
//!
//! `y_t` must be in the layout of step `t` at depth `D_t + 1`: its newest gradient `grad_{t-1}`
//! arrives exactly then and in exactly that layout (a `B` step's gradient is a row vector, and
//! the next step is `A`; an `A` step's is a column vector, and the next is `B`). Its coefficient
//! is factored out into the product's constant; older gradients are scaled (one level) and
//! those of the other layout converted (row to column: 1 level, column to row: 2), all within
//! their slack. So `D_1 = 1`, `D_{t+1} = D_t + 2` after an `A` step and `+ 3` after a `B` step,
//! and the last gradient adds 3 (`A`) or 4 (`B`):
//!
//! | k | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 |
//! |---|---|---|---|---|---|---|---|---|
//! | depth | 1 | 4 | 7 | 9 | 12 | 14 | 17 | 19 |
//! | 2.5 k | 2.5 | 5 | 7.5 | 10 | 12.5 | 15 | 17.5 | 20 |
//!
//! Where each level goes for `k = 6` (depths counted from the top; checked by a test against
//! [`LowDepth::schedule`]):
//!
//! ```text
//! depth  0   uploads at the top: Z_0^T, G_1
//!        1   grad_0 (row) = (gamma/b) p(0) sum of columns of Z_0^T;  u_1 (row) = c sum_cols(G_1)
//!        2   u_1 o u_1, c G_2^T o u_1;  Z-term y_1 (row) x f Z_2^T
//!        3   u_2 (column) = sum_rows((c3 G_2^T o u_1) o u_1^2 + c1 G_2^T o u_1) + Z-term;
//!            s_1 = (gamma/b) p(u_1)
//!        4   grad_1 (column) = s_1 x Z_1;  y_2 (column, from grad_1 and grad_0 converted)
//!        5   u_2 o u_2, c G_3 o u_2, s_2;  Z_3 o y_2
//!        6   u_3 (row) = masked column sums (G-term + Z-term)
//!        7   grad_2 (row) = Z_2^T x s_2 (2 levels: Hadamard, masked sum)
//!        8   u_4 (column); s_3
//!        9   grad_3 (column)
//!       10   s_4
//!       11   u_5 (row)
//!       12   grad_4 (row)
//!       13   s_5
//!       14   grad_5 (column): w_6 = (row gradients) + (column gradients), added by the client
//! ```
//!
//! Each minibatch is uploaded once, in the layout its step needs (`Z_t^T` for `t = 0` and even
//! `t`, `Z_t` for odd `t`), plus `G_1 .. G_{k-1}` (`G_{t+1}` for even `t`, `G_{t+1}^T` for odd
//! `t`): with `b` equal to the padded width, `(k - 1) / k` more than the baseline's uploads.
//! The model comes back as two partial vectors (the gradients of each layout); the client adds
//! them after decryption.

mod recurrence;

use crate::error::{CircuitError, ConfigFault, Result};
use crate::protocol::{
    check_objects, encrypt_objects, ModelAndPrevious, Object, ObjectName, ObjectSpec, Objects,
    PlainObject, SplitModel, StateVector, VectorLayout,
};
use crate::reference::TrainConfig;
use ckks::eval::CkksEvaluator;
use linalg::{ColVector, EncodingUnit, LinAlg, PlainMatrix, RowVector};
use std::collections::BTreeMap;
use std::sync::Mutex;

use recurrence::{Ctx, Plan};

/// A feature-indexed vector in either layout.
#[derive(Clone, Debug)]
pub enum Layout<V> {
    /// A row vector.
    Row(RowVector<V>),
    /// A column vector.
    Col(ColVector<V>),
}

/// The uploaded objects of the low-depth circuit, by name: the minibatches (`Z_t` or `Z_t^T`),
/// the Gram matrices (`G_t` or `G_t^T`) and, for a resumed run, the state `w_0`, `v_0` in the
/// layouts its start reads (see [`LowDepth::names`]).
pub type LowDepthInputs<V> = Objects<V>;

/// Where a run starts (see [`LowDepth`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// `w_0 = v_0 = 0`: the constant first step.
    Zero,
    /// A state the client uploads in both layouts (the interactive refresh): `u_0 = -v_0
    /// Z_0^T` from the row layout, a column vector at depth 1, so the first step is `B`.
    Uploaded,
    /// A state in the column layout only, as a bootstrap leaves it (epoch training):
    /// `u_0 = -Z_0 v_0` from the column layout, a row vector at depth 2 (a masked sum), so the
    /// first step is `A`; the first `y_0` is converted to the row layout within its slack.
    Refreshed,
}

/// The low-depth trainer for a configuration: from `w_0 = v_0 = 0` ([`LowDepth::new`]), or
/// resumed from a state `(w_0, v_0)` (for training in rounds), which replaces the constant
/// first step by a full one ([`Start`]):
///
/// | k | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 |
/// |---|---|---|---|---|---|---|---|---|
/// | [`Start::Zero`] | 1 | 4 | 7 | 9 | 12 | 14 | 17 | 19 |
/// | [`Start::Uploaded`] ([`LowDepth::resumed`]) | 5 | 7 | 10 | 12 | 15 | 17 | 20 | 22 |
/// | [`Start::Refreshed`] ([`LowDepth::refreshed`]) | 5 | 8 | 10 | 13 | 15 | 18 | 20 | 23 |
///
/// A refreshed start costs one level more than an uploaded one for even `k`, but needs no row
/// layout of the state: converting a bootstrapped state to rows would cost two.
#[derive(Clone, Debug)]
pub struct LowDepth {
    cfg: TrainConfig,
    start: Start,
}

/// Where one iteration's values land (levels counted down from the top, as depths).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// The iteration `t`.
    pub t: usize,
    /// Depth of `u_t` (0 for `t = 0`, where `u_0 = 0` is not computed).
    pub u_depth: usize,
    /// Whether `u_t` is a row vector (step `A`) or a column vector (`B`).
    pub u_row: bool,
    /// Depth of `s_t = (gamma/b) p(u_t)` (0 for `t = 0`, a constant).
    pub s_depth: usize,
    /// Depth of `grad_t`.
    pub grad_depth: usize,
    /// Whether `grad_t` is a row vector.
    pub grad_row: bool,
}

impl LowDepth {
    /// The low-depth trainer for `cfg`.
    ///
    /// # Errors
    /// [`CircuitError::InvalidConfig`] for a sigmoid of degree other than 3 (the schedule above
    /// is derived for the cubic).
    pub fn new(cfg: TrainConfig) -> Result<Self> {
        if cfg.sigmoid.degree() != 3 {
            return Err(CircuitError::InvalidConfig(ConfigFault::SigmoidDegree {
                degree: cfg.sigmoid.degree(),
            }));
        }
        Ok(Self { cfg, start: Start::Zero })
    }

    /// The trainer resuming from a state `(w_0, v_0)` uploaded in both layouts
    /// ([`Start::Uploaded`]).
    ///
    /// # Errors
    /// As [`LowDepth::new`].
    pub fn resumed(cfg: TrainConfig) -> Result<Self> {
        Ok(Self { start: Start::Uploaded, ..Self::new(cfg)? })
    }

    /// The trainer resuming from a state `(w_0, v_0)` in the column layout
    /// ([`Start::Refreshed`]).
    ///
    /// # Errors
    /// As [`LowDepth::new`].
    pub fn refreshed(cfg: TrainConfig) -> Result<Self> {
        Ok(Self { start: Start::Refreshed, ..Self::new(cfg)? })
    }

    /// Where the run starts.
    pub fn start(&self) -> Start {
        self.start
    }

    /// Whether step `t` is an `A` step (`u_t` a row vector): the odd steps, or the even ones
    /// from a refreshed state.
    fn row_step(&self, t: usize) -> bool {
        (t % 2 == 1) != (self.start == Start::Refreshed)
    }

    /// Minibatch `t` as its step needs it: `Z_t` for an `A` step, `Z_t^T` for a `B` step (and
    /// for the zero start's constant first step).
    fn z_name(&self, t: usize) -> ObjectName {
        ObjectName::Minibatch { t, transposed: !self.row_step(t) }
    }

    /// `G_t`, used by step `t - 1`: transposed when that step is an `A` step.
    fn g_name(&self, t: usize) -> ObjectName {
        ObjectName::Gram { t, transposed: self.row_step(t - 1) }
    }

    /// The layouts in which the state is read: both for an uploaded state, the column layout
    /// for a refreshed one, none from zero.
    fn state_layouts(&self) -> &'static [VectorLayout] {
        match self.start {
            Start::Zero => &[],
            Start::Uploaded => &[VectorLayout::Row, VectorLayout::Col],
            Start::Refreshed => &[VectorLayout::Col],
        }
    }

    /// The names of the state vector `vector` (see [`LowDepth::state_layouts`]).
    fn state_names(&self, vector: StateVector) -> impl Iterator<Item = ObjectName> {
        self.state_layouts().iter().map(move |&layout| ObjectName::State { vector, layout })
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.cfg
    }

    /// The depth of the schedule for `k` minibatches (see the module docs).
    pub fn depth(&self) -> usize {
        let k = self.cfg.minibatches;
        // The first computed u_t and its depth: u_1 = c sum_cols(G_1) at 1 from zero, u_0 at 1
        // (uploaded: v_0 Z_0^T) or 2 (refreshed: a masked Z_0 v_0).
        let (first, d0) = match self.start {
            Start::Zero if k == 1 => return 1,
            Start::Zero => (1, 1),
            Start::Uploaded => (0, 1),
            Start::Refreshed => (0, 2),
        };
        // +2 after an A step, +3 after a B step; the last gradient +3 (A) or +4 (B).
        let d = (first..k - 1).fold(d0, |d, t| d + if self.row_step(t) { 2 } else { 3 });
        d + if self.row_step(k - 1) { 3 } else { 4 }
    }

    /// The names of the uploaded objects, in upload order: `Z_0^T, Z_1, Z_2^T, ...` (`Z_0, Z_1^T,
    /// ...` from a refreshed state), the Gram matrices `G_1, G_2^T, G_3, ...` (`G_1^T, G_2,
    /// ...`), and for a resumed run the state `w_0`, `v_0` in its layouts.
    pub fn names(&self) -> Vec<ObjectName> {
        let k = self.cfg.minibatches;
        let mut names: Vec<ObjectName> = (0..k).map(|t| self.z_name(t)).collect();
        names.extend((1..k).map(|t| self.g_name(t)));
        names.extend(self.state_names(StateVector::W));
        names.extend(self.state_names(StateVector::V));
        names
    }

    /// Every upload for `d` features in `unit` at `level` (before planning).
    fn specs(&self, d: usize, unit: EncodingUnit, level: usize) -> Result<Vec<ObjectSpec>> {
        let b = self.cfg.batch_size;
        self.names()
            .into_iter()
            .map(|name| match name {
                ObjectName::Minibatch { transposed: true, .. } => {
                    ObjectSpec::new(name, d, b, unit, level)
                }
                ObjectName::Minibatch { .. } => ObjectSpec::new(name, b, d, unit, level),
                ObjectName::Gram { .. } => ObjectSpec::new(name, b, b, unit, level),
                _ => ObjectSpec::vector(name, d, unit, level),
            })
            .collect()
    }

    /// The plaintext of every upload from `z` (rows `y_i x_i`) and, for a resumed run, the
    /// state `(w_0, v_0)`.
    ///
    /// # Errors
    /// [`CircuitError::NotEnoughData`]; [`CircuitError::InvalidConfig`] for a missing or
    /// unexpected state or one of the wrong length.
    pub fn plain_inputs(
        &self,
        z: &PlainMatrix,
        state: Option<(&[f64], &[f64])>,
    ) -> Result<BTreeMap<ObjectName, PlainObject>> {
        self.cfg.check(z.rows())?;
        let resumed = self.start != Start::Zero;
        if resumed != state.is_some() {
            return Err(CircuitError::InvalidConfig(ConfigFault::ResumedState { resumed }));
        }
        let (b, d, k) = (self.cfg.batch_size, z.cols(), self.cfg.minibatches);
        let batch = |t: usize| PlainMatrix::from_fn(b, d, |i, j| z.get(t * b + i, j));
        let batches: Vec<PlainMatrix> = (0..k).map(batch).collect();
        let mut out = BTreeMap::new();
        for (t, zt) in batches.iter().enumerate() {
            let name = self.z_name(t);
            let transposed = matches!(name, ObjectName::Minibatch { transposed: true, .. });
            out.insert(name, Object::Matrix(if transposed { zt.transpose() } else { zt.clone() }));
        }
        for t in 1..k {
            let g = batches[t].matmul(&batches[t - 1].transpose());
            let name = self.g_name(t);
            let transposed = matches!(name, ObjectName::Gram { transposed: true, .. });
            out.insert(name, Object::Matrix(if transposed { g.transpose() } else { g }));
        }
        if let Some((w, v)) = state {
            if w.len() != d || v.len() != d {
                return Err(CircuitError::InvalidConfig(ConfigFault::StateLength {
                    w: w.len(),
                    v: v.len(),
                    features: d,
                }));
            }
            for (vector, values) in [(StateVector::W, w), (StateVector::V, v)] {
                for name in self.state_names(vector) {
                    let object = match name {
                        ObjectName::State { layout: VectorLayout::Row, .. } => Object::Row,
                        _ => Object::Col,
                    };
                    out.insert(name, object(values.to_vec()));
                }
            }
        }
        Ok(out)
    }

    /// Plans the upload levels: the highest level at which each input is needed when the
    /// circuit runs on `levels` levels.
    ///
    /// # Errors
    /// As [`LowDepth::run`].
    pub fn plan(&self, d: usize, unit: EncodingUnit, levels: usize) -> Result<Vec<ObjectSpec>> {
        let chain = ckks::ModulusChain::analysis((2 * unit.slots()).trailing_zeros(), levels, 40)?;
        let e = ckks::eval::SymbolicEvaluator::new(chain);
        let la = LinAlg::new(&e);
        let at_top = self.specs(d, unit, levels)?;
        let inputs = encrypt_objects(&la, &at_top, |s| Ok(PlainObject::zeros(s)))?;
        let plan = Plan::default();
        self.run_inner(&Ctx {
            la: &la,
            inputs: &inputs,
            plan: Some(&plan),
            trace: None,
            previous: false,
        })?;
        let plan = plan.into_inner().expect("plan lock");
        at_top
            .into_iter()
            .map(|s| {
                let level =
                    plan.get(&s.name()).ok_or(CircuitError::UnexpectedObject { name: s.name() })?;
                Ok(s.at_level(*level))
            })
            .collect()
    }

    /// Encrypts the inputs at the planned levels (`levels` levels in all); a resumed run needs
    /// its state `(w_0, v_0)`.
    ///
    /// # Errors
    /// [`CircuitError::NotEnoughData`]; [`CircuitError::InvalidConfig`] for a missing or
    /// unexpected state; the toolkit's errors.
    pub fn encrypt_inputs<E: CkksEvaluator>(
        &self,
        la: &LinAlg<'_, E>,
        z: &PlainMatrix,
        state: Option<(&[f64], &[f64])>,
        unit: EncodingUnit,
        levels: usize,
    ) -> Result<LowDepthInputs<E::Value>> {
        let mut plain = self.plain_inputs(z, state)?;
        let specs = self.plan(z.cols(), unit, levels)?;
        let objects = encrypt_objects(la, &specs, |s| {
            plain.remove(&s.name()).ok_or(CircuitError::MissingObject { name: s.name() })
        })?;
        self.inputs_from(objects)
    }

    /// The inputs from named encrypted objects (as read back on the server), which must be
    /// exactly [`LowDepth::names`].
    ///
    /// # Errors
    /// [`CircuitError::MissingObject`], [`CircuitError::UnexpectedObject`],
    /// [`CircuitError::ValueMismatch`].
    pub fn inputs_from<V>(&self, objects: Objects<V>) -> Result<LowDepthInputs<V>> {
        check_objects(&objects, &self.names())?;
        Ok(objects)
    }

    /// Runs `k` iterations: the model `w_k` as two partial vectors.
    ///
    /// # Errors
    /// The toolkit's errors; [`CircuitError::InvalidConfig`] for missing inputs.
    pub fn run<E: CkksEvaluator>(
        &self,
        la: &LinAlg<'_, E>,
        inputs: &LowDepthInputs<E::Value>,
    ) -> Result<SplitModel<E::Value>> {
        self.run_inner(&Ctx { la, inputs, plan: None, trace: None, previous: false })
    }

    /// The schedule as it runs: for each iteration, the depths and layouts of `u_t`, `s_t` and
    /// `grad_t` (a symbolic run on `d` features and unit `unit`).
    ///
    /// # Errors
    /// As [`LowDepth::run`].
    pub fn schedule(&self, d: usize, unit: EncodingUnit) -> Result<Vec<Step>> {
        let levels = self.depth();
        let specs = self.plan(d, unit, levels)?;
        let chain = ckks::ModulusChain::analysis((2 * unit.slots()).trailing_zeros(), levels, 40)?;
        let e = ckks::eval::SymbolicEvaluator::new(chain);
        let la = LinAlg::new(&e);
        let inputs = encrypt_objects(&la, &specs, |s| Ok(PlainObject::zeros(s)))?;
        let trace = Mutex::new(Vec::new());
        self.run_inner(&Ctx {
            la: &la,
            inputs: &inputs,
            plan: None,
            trace: Some(&trace),
            previous: false,
        })?;
        Ok(trace.into_inner().expect("trace lock"))
    }

    /// Runs `k` iterations: `w_k` and `w_{k-1}`, each as two partial vectors.
    ///
    /// # Errors
    /// As [`LowDepth::run`].
    pub fn run_with_previous<E: CkksEvaluator>(
        &self,
        la: &LinAlg<'_, E>,
        inputs: &LowDepthInputs<E::Value>,
    ) -> Result<ModelAndPrevious<E::Value>> {
        let mut prev = None;
        let w = self.run_inner_with(
            &Ctx { la, inputs, plan: None, trace: None, previous: true },
            &mut prev,
        )?;
        Ok((w, prev.expect("asked for")))
    }
}
