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

use crate::error::{CircuitError, Result};
use crate::inputs::InputSpec;
use crate::poly::eval_odd;
use crate::reference::TrainConfig;
use ckks::eval::CkksEvaluator;
use linalg::{ColVector, EncodingUnit, Kind, LinAlg, Matrix, PlainMatrix, RowVector};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// A feature-indexed vector in either layout.
#[derive(Clone, Debug)]
pub enum Layout<V> {
    /// A row vector.
    Row(RowVector<V>),
    /// A column vector.
    Col(ColVector<V>),
}

/// The model `w_k` as two partial vectors: `w_k = row + col` (either may be absent).
#[derive(Clone, Debug)]
pub struct SplitModel<V> {
    /// The sum of the row-layout gradients.
    pub row: Option<RowVector<V>>,
    /// The sum of the column-layout gradients.
    pub col: Option<ColVector<V>>,
}

/// The uploaded matrices of the low-depth circuit, by name (`Z_t`, `Z_t^T`, `G_t`, `G_t^T`),
/// and, for a resumed run, the state `w_0`, `v_0` in both layouts (`w_0^R`, `w_0^C`, `v_0^R`,
/// `v_0^C`).
#[derive(Clone, Debug)]
pub struct LowDepthInputs<V> {
    /// The matrices.
    pub matrices: BTreeMap<String, Matrix<V>>,
    /// The state's row vectors.
    pub rows: BTreeMap<String, RowVector<V>>,
    /// The state's column vectors.
    pub cols: BTreeMap<String, ColVector<V>>,
}

/// The low-depth trainer for a configuration: from `w_0 = v_0 = 0` ([`LowDepth::new`]), or
/// from an uploaded state ([`LowDepth::resumed`], for training in rounds), which replaces the
/// constant first step by a full one (`u_0 = -Z_0 v_0`, a column vector at depth 1): depths
/// 5, 7, 10, 12, 15, 17, 20, 22 for k = 1..8, three levels more than the zero start (four for
/// k = 1).
#[derive(Clone, Debug)]
pub struct LowDepth {
    cfg: TrainConfig,
    resumed: bool,
}

/// The state vectors a resumed run uploads, each in both layouts.
pub const STATE_VECTORS: [&str; 2] = ["w_0", "v_0"];

/// The upload name of state vector `vector` in the row (`^R`) or column (`^C`) layout.
pub fn state_input_name(vector: &str, row: bool) -> String {
    format!("{vector}^{}", if row { "R" } else { "C" })
}

/// A plaintext upload.
enum Value {
    M(PlainMatrix),
    V(Vec<f64>),
}

/// A feature-indexed vector in one or both layouts.
#[derive(Clone, Debug)]
struct Atom<V> {
    row: Option<RowVector<V>>,
    col: Option<ColVector<V>>,
}

impl<V> From<Layout<V>> for Atom<V> {
    fn from(l: Layout<V>) -> Self {
        match l {
            Layout::Row(r) => Atom { row: Some(r), col: None },
            Layout::Col(c) => Atom { row: None, col: Some(c) },
        }
    }
}

/// Records, in a planning run, the highest level at which each input is needed.
type Plan = Mutex<BTreeMap<String, usize>>;

struct Ctx<'a, 'e, E: CkksEvaluator> {
    la: &'a LinAlg<'e, E>,
    inputs: &'a LowDepthInputs<E::Value>,
    plan: Option<&'a Plan>,
    trace: Option<&'a Mutex<Vec<Step>>>,
    /// Also return `w_{k-1}` (what a later round needs for `v_k`).
    previous: bool,
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

impl<E: CkksEvaluator> Ctx<'_, '_, E> {
    /// Input `name` at `level` (aligned down from its upload level).
    fn input(&self, name: &str, level: usize) -> Result<Matrix<E::Value>> {
        if let Some(plan) = self.plan {
            let mut p = plan.lock().expect("plan lock");
            let e = p.entry(name.to_string()).or_insert(level);
            *e = (*e).max(level);
        }
        let m = self.inputs.matrices.get(name).ok_or_else(|| {
            CircuitError::InvalidConfig(format!("the input {name} was not uploaded"))
        })?;
        Ok(self.la.align_to_level(m, level)?)
    }

    /// The state vector `name` in both layouts, at its upload level (the top).
    fn vector(&self, name: &str) -> Result<Atom<E::Value>> {
        let (r, c) = (state_input_name(name, true), state_input_name(name, false));
        if let Some(plan) = self.plan {
            let top = self.la.evaluator().max_level();
            let mut plan = plan.lock().expect("plan lock");
            plan.insert(r.clone(), top);
            plan.insert(c.clone(), top);
        }
        let missing =
            |n: &str| CircuitError::InvalidConfig(format!("the input {n} was not uploaded"));
        Ok(Atom {
            row: Some(self.inputs.rows.get(&r).ok_or_else(|| missing(&r))?.clone()),
            col: Some(self.inputs.cols.get(&c).ok_or_else(|| missing(&c))?.clone()),
        })
    }

    /// `c` times input `name`, landing at `level` (the input is needed one level higher).
    fn scaled_input(&self, name: &str, c: f64, level: usize) -> Result<Matrix<E::Value>> {
        Ok(self.la.mul_scalar(&self.input(name, level + 1)?, c)?)
    }
}

fn z_name(t: usize) -> String {
    if t.is_multiple_of(2) {
        format!("Z_{t}^T")
    } else {
        format!("Z_{t}")
    }
}

fn g_name(t: usize) -> String {
    // G_t is used by step t - 1: transposed when that step is odd.
    if (t - 1) % 2 == 1 {
        format!("G_{t}^T")
    } else {
        format!("G_{t}")
    }
}

impl LowDepth {
    /// The low-depth trainer for `cfg`.
    ///
    /// # Errors
    /// [`CircuitError::InvalidConfig`] for a sigmoid of degree other than 3 (the schedule above
    /// is derived for the cubic).
    pub fn new(cfg: TrainConfig) -> Result<Self> {
        if cfg.sigmoid.degree() != 3 {
            return Err(CircuitError::InvalidConfig(format!(
                "the low-depth schedule is built for the cubic sigmoid, not degree {}",
                cfg.sigmoid.degree()
            )));
        }
        Ok(Self { cfg, resumed: false })
    }

    /// The trainer resuming from an uploaded state `(w_0, v_0)`.
    ///
    /// # Errors
    /// As [`LowDepth::new`].
    pub fn resumed(cfg: TrainConfig) -> Result<Self> {
        Ok(Self { resumed: true, ..Self::new(cfg)? })
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.cfg
    }

    /// The depth of the schedule for `k` minibatches (see the module docs).
    pub fn depth(&self) -> usize {
        let k = self.cfg.minibatches;
        if self.resumed {
            // D_0 = 1 (u_0 = -Z_0 v_0, a column vector), +3 after B steps, +2 after A steps.
            let mut d = 1;
            for t in 0..k - 1 {
                d += if t % 2 == 0 { 3 } else { 2 };
            }
            return d + if (k - 1) % 2 == 1 { 3 } else { 4 };
        }
        if k == 1 {
            return 1;
        }
        // D_1 = 1, then +2 after odd (A) steps and +3 after even (B) steps.
        let mut d = 1;
        for t in 1..k - 1 {
            d += if t % 2 == 1 { 2 } else { 3 };
        }
        d + if (k - 1) % 2 == 1 { 3 } else { 4 }
    }

    /// The matrices the client computes from `z` (rows `y_i x_i`), by name.
    ///
    /// # Errors
    /// [`CircuitError::NotEnoughData`].
    pub fn plain_inputs(&self, z: &PlainMatrix) -> Result<BTreeMap<String, PlainMatrix>> {
        self.cfg.check(z.rows())?;
        let (b, d, k) = (self.cfg.batch_size, z.cols(), self.cfg.minibatches);
        let batch = |t: usize| PlainMatrix::from_fn(b, d, |i, j| z.get(t * b + i, j));
        let batches: Vec<PlainMatrix> = (0..k).map(batch).collect();
        let mut out = BTreeMap::new();
        for (t, zt) in batches.iter().enumerate() {
            let name = z_name(t);
            out.insert(
                name.clone(),
                if name.ends_with("^T") { zt.transpose() } else { zt.clone() },
            );
        }
        for t in 1..k {
            let g = batches[t].matmul(&batches[t - 1].transpose());
            let name = g_name(t);
            out.insert(name.clone(), if name.ends_with("^T") { g.transpose() } else { g });
        }
        Ok(out)
    }

    /// Plans the upload levels: the highest level at which each input is needed when the
    /// circuit runs on `levels` levels.
    ///
    /// # Errors
    /// As [`LowDepth::run`].
    pub fn plan(&self, d: usize, unit: EncodingUnit, levels: usize) -> Result<Vec<InputSpec>> {
        let chain = ckks::ModulusChain::analysis((2 * unit.slots()).trailing_zeros(), levels, 40)?;
        let e = ckks::eval::SymbolicEvaluator::new(chain);
        let la = LinAlg::new(&e);
        let at_top: Vec<InputSpec> =
            self.specs(d, unit).into_iter().map(|s| InputSpec { level: levels, ..s }).collect();
        let inputs = self.build(
            &la,
            unit,
            &at_top,
            |r, c| PlainMatrix::from_fn(r, c, |_, _| 0.0),
            |n| vec![0.0; n],
        )?;
        let plan = Plan::default();
        self.run_inner(&Ctx {
            la: &la,
            inputs: &inputs,
            plan: Some(&plan),
            trace: None,
            previous: false,
        })?;
        let plan = plan.into_inner().expect("plan lock");
        Ok(at_top.into_iter().map(|s| InputSpec { level: plan[&s.name], ..s }).collect())
    }

    /// The names of the uploaded objects for `d` features.
    pub fn plain_inputs_names(&self, d: usize) -> Vec<String> {
        self.shapes(self.cfg.batch_size, d, self.cfg.minibatches)
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    }

    fn shapes(&self, b: usize, d: usize, k: usize) -> Vec<(String, (usize, usize))> {
        let mut v: Vec<(String, (usize, usize))> = (0..k)
            .map(|t| {
                let name = z_name(t);
                let shape = if name.ends_with("^T") { (d, b) } else { (b, d) };
                (name, shape)
            })
            .collect();
        v.extend((1..k).map(|t| (g_name(t), (b, b))));
        v
    }

    /// Every upload (levels unset): the matrices, and the state vectors of a resumed run.
    fn specs(&self, d: usize, unit: EncodingUnit) -> Vec<InputSpec> {
        let (b, k) = (self.cfg.batch_size, self.cfg.minibatches);
        let mut specs: Vec<InputSpec> = self
            .shapes(b, d, k)
            .into_iter()
            .map(|(name, (rows, cols))| InputSpec::new(name, Kind::Matrix, rows, cols, unit, 0))
            .collect();
        if self.resumed {
            for name in STATE_VECTORS {
                specs.push(InputSpec::new(state_input_name(name, true), Kind::Row, d, 1, unit, 0));
                specs.push(InputSpec::new(state_input_name(name, false), Kind::Col, d, 1, unit, 0));
            }
        }
        specs
    }

    /// Encrypts the uploads described by `specs`, matrices from `matrix(rows, cols)`-shaped
    /// values by name and vectors from `vector(len)`.
    fn build<E: CkksEvaluator>(
        &self,
        la: &LinAlg<'_, E>,
        unit: EncodingUnit,
        specs: &[InputSpec],
        matrix: impl Fn(usize, usize) -> PlainMatrix,
        vector: impl Fn(usize) -> Vec<f64>,
    ) -> Result<LowDepthInputs<E::Value>> {
        self.build_with(la, unit, specs, |s| match s.kind {
            Kind::Matrix => Value::M(matrix(s.rows, s.cols)),
            _ => Value::V(vector(s.rows)),
        })
    }

    fn build_with<E: CkksEvaluator>(
        &self,
        la: &LinAlg<'_, E>,
        unit: EncodingUnit,
        specs: &[InputSpec],
        value: impl Fn(&InputSpec) -> Value,
    ) -> Result<LowDepthInputs<E::Value>> {
        let mut inputs = LowDepthInputs {
            matrices: BTreeMap::new(),
            rows: BTreeMap::new(),
            cols: BTreeMap::new(),
        };
        for s in specs {
            match (s.kind, value(s)) {
                (Kind::Matrix, Value::M(m)) => {
                    inputs.matrices.insert(s.name.clone(), la.encrypt_matrix(&m, unit, s.level)?);
                }
                (Kind::Row, Value::V(v)) => {
                    inputs.rows.insert(s.name.clone(), la.encrypt_row(&v, unit, s.level)?);
                }
                (Kind::Col, Value::V(v)) => {
                    inputs.cols.insert(s.name.clone(), la.encrypt_col(&v, unit, s.level)?);
                }
                _ => {
                    return Err(CircuitError::InvalidConfig(format!(
                        "internal: no value of the right kind for {}",
                        s.name
                    )))
                }
            }
        }
        Ok(inputs)
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
        if self.resumed != state.is_some() {
            return Err(CircuitError::InvalidConfig(
                "a resumed low-depth run needs its state, a fresh one none".into(),
            ));
        }
        let plain = self.plain_inputs(z)?;
        let specs = self.plan(z.cols(), unit, levels)?;
        self.build_with(la, unit, &specs, |s| match s.kind {
            Kind::Matrix => Value::M(plain[&s.name].clone()),
            _ => {
                let (w, v) = state.expect("checked above");
                Value::V(if s.name.starts_with(STATE_VECTORS[0]) { w.to_vec() } else { v.to_vec() })
            }
        })
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
        let inputs = self.build(
            &la,
            unit,
            &specs,
            |r, c| PlainMatrix::from_fn(r, c, |_, _| 0.0),
            |n| vec![0.0; n],
        )?;
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
    ) -> Result<crate::training::ModelAndPrevious<E::Value>> {
        let mut prev = None;
        let w = self.run_inner_with(
            &Ctx { la, inputs, plan: None, trace: None, previous: true },
            &mut prev,
        )?;
        Ok((w, prev.expect("asked for")))
    }

    fn run_inner<E: CkksEvaluator>(&self, cx: &Ctx<'_, '_, E>) -> Result<SplitModel<E::Value>> {
        self.run_inner_with(cx, &mut None)
    }

    fn run_inner_with<E: CkksEvaluator>(
        &self,
        cx: &Ctx<'_, '_, E>,
        previous: &mut Option<SplitModel<E::Value>>,
    ) -> Result<SplitModel<E::Value>> {
        let la = cx.la;
        let cfg = &self.cfg;
        let k = cfg.minibatches;
        let etas = cfg.etas();
        let gb = cfg.gamma / cfg.batch_size as f64;
        let c = &cfg.sigmoid.coeffs;
        let top = la.evaluator().max_level();
        let offset = if self.resumed { 2 } else { 0 };
        let (wcoef, ycoef) = coefficients(&etas, k, offset);
        let depth_of = |level: usize| top - level;
        let record = |step: Step| {
            if let Some(trace) = cx.trace {
                trace.lock().expect("trace lock").push(step);
            }
        };
        let mut atoms: Vec<Atom<E::Value>> = Vec::new();
        let (mut u, first) = if self.resumed {
            let (w0, v0) = (cx.vector(STATE_VECTORS[0])?, cx.vector(STATE_VECTORS[1])?);
            // u_0 = -Z_0 v_0 as a column vector: v_0 (row) x Z_0^T, negated.
            let v0_row = v0.row.as_ref().expect("both layouts");
            let z0 = cx.input(&z_name(0), la.level(v0_row))?;
            let u0 = la.neg(&la.row_times_matrix(v0_row, &z0)?)?;
            atoms.push(w0);
            atoms.push(v0);
            (Layout::Col(u0), 0)
        } else {
            // t = 0: grad_0 = (gamma/b) c_0 sum_i z_i, a row vector at depth 1.
            let z0 = cx.input(&z_name(0), top)?;
            let grad0 = Layout::Row(la.sum_cols(&z0, gb * c[0])?);
            record(Step {
                t: 0,
                u_depth: 0,
                u_row: false,
                s_depth: 0,
                grad_depth: depth_of(level_of(la, &grad0)),
                grad_row: true,
            });
            atoms.push(grad0.into());
            if k == 1 {
                if cx.previous {
                    *previous = Some(split(la, &atoms, &wcoef[0])?);
                }
                return split(la, &atoms, &wcoef[1]);
            }
            // u_1 = -(1 - eta_0) G_1 s_0, s_0 = (gamma/b) c_0: a row vector at depth 1.
            let g1 = cx.input(&g_name(1), top)?;
            (Layout::Row(la.sum_cols(&g1, -(1.0 - etas[0]) * gb * c[0])?), 1)
        };
        for t in first..k {
            let last = t == k - 1;
            // The level of u_t.
            let d = match &u {
                Layout::Row(r) => la.level(r),
                Layout::Col(col) => la.level(col),
            };
            let s_coeffs: Vec<f64> = c.iter().map(|x| x * gb).collect();
            // The gradient of this step.
            let (grad, s_level) = match &u {
                Layout::Row(ur) => {
                    let s = eval_odd(la, ur, &s_coeffs)?;
                    let zt = cx.input(&z_name(t), la.level(&s))?;
                    (Layout::Col(la.row_times_matrix(&s, &zt)?), la.level(&s))
                }
                Layout::Col(uc) => {
                    let s = eval_odd(la, uc, &s_coeffs)?;
                    let zt = cx.input(&z_name(t), la.level(&s))?;
                    (Layout::Row(la.matrix_times_col(&zt, &s, 1.0)?), la.level(&s))
                }
            };
            record(Step {
                t,
                u_depth: depth_of(d),
                u_row: matches!(u, Layout::Row(_)),
                s_depth: depth_of(s_level),
                grad_depth: depth_of(level_of(la, &grad)),
                grad_row: matches!(grad, Layout::Row(_)),
            });
            if last {
                atoms.push(grad.into());
                break;
            }
            // u_{t+1} = G-term + Z-term.
            let factor = -(1.0 - etas[t]) * gb;
            let g = |ck: f64, level: usize| cx.scaled_input(&g_name(t + 1), factor * ck, level);
            // The newest gradient (none yet in a resumed run's first step) rides on the product's
            // constant.
            let newest = (t > 0).then(|| offset + t - 1);
            let y = combine(la, &atoms, &ycoef[t], matches!(u, Layout::Row(_)), newest)?;
            let f = newest.map_or(1.0, |n| ycoef[t][n]);
            let next = match &u {
                Layout::Row(ur) => {
                    // Sum over rows of (c1 G^T o u) + (c3 G^T o u) o (u o u): a column vector.
                    let x1 = la.hadamard_row(ur, &g(c[1], d)?)?;
                    let x3 = la.hadamard_row(ur, &g(c[3], d)?)?;
                    let cube = la.hadamard_row(&la.square(ur)?, &x3)?;
                    let lvl = la.level(&cube);
                    let sum = la.add(&la.align_to_level(&x1, lvl)?, &cube)?;
                    let gterm = la.sum_rows(&sum)?;
                    let Layout::Row(yr) = y else {
                        unreachable!("combine returns the asked layout")
                    };
                    let zt = cx.scaled_input(&z_name(t + 1), f, la.level(&yr))?;
                    let zterm = la.row_times_matrix(&yr, &zt)?;
                    let constant = la.mul_scalar(
                        &la.sum_rows(&cx.input(&g_name(t + 1), lvl + 1)?)?,
                        factor * c[0],
                    )?;
                    let parts = [gterm, zterm, constant];
                    let lvl = parts.iter().map(|p| la.level(p)).min().expect("three parts");
                    let mut acc = la.align_to_level(&parts[0], lvl)?;
                    for p in &parts[1..] {
                        acc = la.add(&acc, &la.align_to_level(p, lvl)?)?;
                    }
                    Layout::Col(acc)
                }
                Layout::Col(uc) => {
                    // Sum over columns of (c1 G o u) + (c3 G o u) o (u o u): a row vector.
                    let x1 = la.hadamard_col(&g(c[1], d)?, uc)?;
                    let x3 = la.hadamard_col(&g(c[3], d)?, uc)?;
                    let cube = la.hadamard_col(&x3, &la.square(uc)?)?;
                    let lvl = la.level(&cube);
                    let sum = la.add(&la.align_to_level(&x1, lvl)?, &cube)?;
                    let gterm = la.sum_cols(&sum, 1.0)?;
                    let Layout::Col(yc) = y else {
                        unreachable!("combine returns the asked layout")
                    };
                    let zt = cx.input(&z_name(t + 1), la.level(&yc))?;
                    let zterm = la.matrix_times_col(&zt, &yc, f)?;
                    let constant =
                        la.sum_cols(&cx.input(&g_name(t + 1), lvl + 1)?, factor * c[0])?;
                    let parts = [gterm, zterm, constant];
                    let lvl = parts.iter().map(|p| la.level(p)).min().expect("three parts");
                    let mut acc = la.align_to_level(&parts[0], lvl)?;
                    for p in &parts[1..] {
                        acc = la.add(&acc, &la.align_to_level(p, lvl)?)?;
                    }
                    Layout::Row(acc)
                }
            };
            atoms.push(grad.into());
            u = next;
        }
        if cx.previous {
            *previous = Some(split(la, &atoms, &wcoef[k - 1])?);
        }
        split(la, &atoms, &wcoef[k])
    }
}

fn level_of<E: CkksEvaluator>(la: &LinAlg<'_, E>, v: &Layout<E::Value>) -> usize {
    match v {
        Layout::Row(r) => la.level(r),
        Layout::Col(c) => la.level(c),
    }
}

/// `w_t` and `y_t` as coefficients of the atoms: `w_0`, `v_0` (when `offset` is 2, a resumed
/// run) and `grad_0 .. grad_{k-1}`.
fn coefficients(etas: &[f64], k: usize, offset: usize) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let n = offset + k;
    let unit = |i: usize| (0..n).map(|j| f64::from(u8::from(j == i))).collect::<Vec<f64>>();
    let (w0, v0) = if offset == 2 { (unit(0), unit(1)) } else { (vec![0.0; n], vec![0.0; n]) };
    let mut w = vec![w0];
    let mut v = vec![v0];
    let mut y = Vec::with_capacity(k);
    for t in 0..k {
        let eta = etas[t];
        y.push((0..n).map(|j| -(1.0 - eta) * v[t][j] - eta * w[t][j]).collect::<Vec<f64>>());
        let mut w_next = v[t].clone();
        w_next[offset + t] += 1.0;
        let v_next = (0..n).map(|j| (1.0 - eta) * w_next[j] + eta * w[t][j]).collect();
        w.push(w_next);
        v.push(v_next);
    }
    (w, y)
}

/// `y / f` in the asked layout, `f` the coefficient of the newest gradient (which is already in
/// that layout and is not scaled; `None`: every atom is scaled, `f = 1`), at the level of the
/// newest gradient when the others have slack.
fn combine<E: CkksEvaluator>(
    la: &LinAlg<'_, E>,
    atoms: &[Atom<E::Value>],
    coef: &[f64],
    as_row: bool,
    newest: Option<usize>,
) -> Result<Layout<E::Value>> {
    let f = newest.map_or(1.0, |n| coef[n]);
    let mut rows: Vec<RowVector<E::Value>> = Vec::new();
    let mut cols: Vec<ColVector<E::Value>> = Vec::new();
    for (j, a) in atoms.iter().enumerate() {
        let r = coef[j] / f;
        if r == 0.0 {
            continue;
        }
        let is_newest = newest == Some(j);
        match (as_row, &a.row, &a.col) {
            (true, Some(v), _) if is_newest => rows.push(v.clone()),
            (false, _, Some(v)) if is_newest => cols.push(v.clone()),
            _ if is_newest => {
                return Err(CircuitError::InvalidConfig(
                    "internal: the newest gradient is in the wrong layout".into(),
                ))
            }
            (true, Some(v), _) => rows.push(la.mul_scalar(v, r)?),
            (false, _, Some(v)) => cols.push(la.mul_scalar(v, r)?),
            (true, None, Some(v)) => rows.push(la.col_to_row(v, r)?),
            (false, Some(v), None) => cols.push(la.row_to_col(v, r)?),
            (_, None, None) => unreachable!("an atom has at least one layout"),
        }
    }
    Ok(if as_row {
        Layout::Row(sum_aligned(la, rows)?)
    } else {
        Layout::Col(sum_aligned(la, cols)?)
    })
}

fn sum_aligned<E: CkksEvaluator, T>(la: &LinAlg<'_, E>, parts: Vec<T>) -> Result<T>
where
    T: linalg::Tiled<Tile = E::Value, With<E::Value> = T>,
{
    let lvl = parts.iter().map(|p| la.level(p)).min().expect("at least one part");
    let mut it = parts.into_iter();
    let mut acc = la.align_to_level(&it.next().expect("at least one part"), lvl)?;
    for p in it {
        acc = la.add(&acc, &la.align_to_level(&p, lvl)?)?;
    }
    Ok(acc)
}

/// `w_k = sum_j coef_j grad_j` as a row part and a column part; the newest gradient has
/// coefficient 1 and is not scaled.
fn split<E: CkksEvaluator>(
    la: &LinAlg<'_, E>,
    atoms: &[Atom<E::Value>],
    coef: &[f64],
) -> Result<SplitModel<E::Value>> {
    let mut rows = Vec::new();
    let mut cols = Vec::new();
    for (a, &c) in atoms.iter().zip(coef) {
        if c == 0.0 {
            continue;
        }
        let exact = c == 1.0;
        match (&a.col, &a.row) {
            (Some(v), _) => cols.push(if exact { v.clone() } else { la.mul_scalar(v, c)? }),
            (None, Some(v)) => rows.push(if exact { v.clone() } else { la.mul_scalar(v, c)? }),
            (None, None) => unreachable!("an atom has at least one layout"),
        }
    }
    Ok(SplitModel {
        row: if rows.is_empty() { None } else { Some(sum_aligned(la, rows)?) },
        col: if cols.is_empty() { None } else { Some(sum_aligned(la, cols)?) },
    })
}
