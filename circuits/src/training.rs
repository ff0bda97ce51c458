//! Both trainers behind one interface: as [`ckks::eval::Circuit`]s (so automatic parameters,
//! op counting and encrypted runs treat them alike), with their upload descriptions and cost
//! reports, and encrypted inference.

use crate::baseline::Baseline;
use crate::error::{CircuitError, Result};
use crate::inputs::InputSpec;
use crate::lowdepth::{state_input_name, LowDepth, SplitModel, STATE_VECTORS};
use crate::reference::TrainConfig;
use ckks::eval::{Circuit, CkksEvaluator, Counter, Depth, Observed, OpCounts, SymbolicEvaluator};
use ckks::ModulusChain;
use linalg::{
    decode_col, decode_row, ColVector, EncodingUnit, LinAlg, Matrix, PlainMatrix, RowVector,
};
use std::collections::BTreeMap;

/// Which circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The depth-5k baseline.
    Baseline,
    /// The depth-2.5k circuit.
    LowDepth,
}

impl Kind {
    /// `"baseline"` or `"lowdepth"`.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Baseline => "baseline",
            Kind::LowDepth => "lowdepth",
        }
    }
}

/// A trainer with its data: the circuit that encrypts its inputs and trains.
#[derive(Clone, Debug)]
pub struct Training<'a> {
    /// Which circuit.
    pub kind: Kind,
    /// The configuration.
    pub cfg: TrainConfig,
    /// Rows `z_i = y_i x_i`, feature 0 the bias.
    pub z: &'a PlainMatrix,
    /// The encoding unit's height; `None`: the one with the fewest key switches (see
    /// [`Training::unit`]).
    pub unit_height: Option<usize>,
    /// The state `(w_0, v_0)` a resumed round starts from (`None`: zero; the low-depth circuit
    /// supports only the zero start).
    pub state: Option<(Vec<f64>, Vec<f64>)>,
    /// Units already chosen, by slot count.
    chosen: std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<usize, EncodingUnit>>>,
}

impl<'a> Training<'a> {
    /// A training circuit whose unit is chosen automatically.
    pub fn new(kind: Kind, cfg: TrainConfig, z: &'a PlainMatrix) -> Self {
        Self { kind, cfg, z, unit_height: None, state: None, chosen: Default::default() }
    }

    /// The same circuit resuming from `(w_0, v_0)` (set [`TrainConfig::start_iteration`] too).
    pub fn with_state(&self, w0: Vec<f64>, v0: Vec<f64>) -> Self {
        Self { state: Some((w0, v0)), ..self.clone() }
    }

    fn initial(&self) -> Result<(Vec<f64>, Vec<f64>)> {
        Ok(self
            .state
            .clone()
            .unwrap_or_else(|| (vec![0.0; self.z.cols()], vec![0.0; self.z.cols()])))
    }

    /// The low-depth trainer: from zero, or resumed from the state.
    fn low(&self) -> Result<LowDepth> {
        match self.state {
            None => LowDepth::new(self.cfg.clone()),
            Some(_) => LowDepth::resumed(self.cfg.clone()),
        }
    }

    /// The same circuit with a fixed unit height.
    pub fn with_unit_height(&self, height: usize) -> Self {
        Self { unit_height: Some(height), chosen: Default::default(), ..self.clone() }
    }
}

impl Training<'_> {
    /// The circuit's depth.
    ///
    /// # Errors
    /// [`CircuitError::InvalidConfig`] for a configuration the circuit does not support.
    pub fn depth(&self) -> Result<usize> {
        Ok(match self.kind {
            Kind::Baseline => Baseline::new(self.cfg.clone()).depth(),
            Kind::LowDepth => self.low()?.depth(),
        })
    }

    /// The encoding unit on `slots` slots: the given height, or else the one whose symbolic run
    /// has the fewest key switches (ties: fewer input ciphertexts), among the units of at most
    /// `max(d, b)` rows and columns' worth of padding.
    ///
    /// # Errors
    /// [`CircuitError::InvalidConfig`] if no unit fits.
    pub fn unit(&self, slots: usize) -> Result<EncodingUnit> {
        if let Some(h) = self.unit_height {
            return Ok(EncodingUnit::for_slots(slots, h)?);
        }
        if let Some(u) = self.chosen.lock().expect("unit cache").get(&slots) {
            return Ok(*u);
        }
        let big = self.z.cols().max(self.cfg.batch_size).next_power_of_two();
        let log_n = (2 * slots).trailing_zeros();
        let mut best: Option<((usize, usize), EncodingUnit)> = None;
        let mut h = 1;
        while h <= slots {
            let unit = EncodingUnit::for_slots(slots, h)?;
            // Taller or wider than every object only adds padding.
            if h <= big && unit.width() <= big.max(slots / big) {
                let fixed = self.with_unit_height(h);
                let cost = fixed.cost(log_n)?;
                let key = (cost.counts.key_switches(), cost.input_ciphertexts);
                if best.as_ref().is_none_or(|(k, _)| key < *k) {
                    best = Some((key, unit));
                }
            }
            h *= 2;
        }
        let unit = best.map(|(_, u)| u).ok_or_else(|| {
            CircuitError::InvalidConfig(format!("no encoding unit on {slots} slots"))
        })?;
        self.chosen.lock().expect("unit cache").insert(slots, unit);
        Ok(unit)
    }

    /// What the client uploads on `slots` slots, inputs starting at level `top`.
    ///
    /// # Errors
    /// As [`Training::unit`].
    pub fn inputs(&self, slots: usize, top: usize) -> Result<Vec<InputSpec>> {
        let unit = self.unit(slots)?;
        Ok(match self.kind {
            Kind::Baseline => Baseline::new(self.cfg.clone()).inputs(self.z.cols(), unit, top),
            Kind::LowDepth => self.low()?.plan(self.z.cols(), unit, top)?,
        })
    }

    /// Operation counts, depth and upload size at `N = 2^log_n`, from one symbolic run.
    ///
    /// # Errors
    /// As [`Circuit::run`].
    pub fn cost(&self, log_n: u32) -> Result<CostReport> {
        let slots = 1usize << (log_n - 1);
        let fixed = match self.unit_height {
            Some(_) => self.clone(),
            None => self.with_unit_height(self.unit(slots)?.height()),
        };
        let depth = fixed.depth()?;
        let chain = ModulusChain::analysis(log_n, depth, 40)?;
        let e = Observed::with_observer(
            SymbolicEvaluator::new(chain),
            (Depth::default(), Counter::default()),
        );
        fixed.train(&e)?;
        let (d, counter) = e.observer();
        let inputs = fixed.inputs(slots, depth)?;
        let n = 1usize << log_n;
        Ok(CostReport {
            circuit: self.kind.name(),
            depth: d.depth(),
            counts: counter.counts(),
            input_ciphertexts: inputs.iter().map(InputSpec::ciphertexts).sum(),
            upload_bytes: inputs.iter().map(|s| s.bytes(n)).sum(),
            unit: fixed.unit(slots)?,
            inputs,
        })
    }

    /// The client's side: encrypts the inputs (at `e.max_level()` and below).
    ///
    /// # Errors
    /// The toolkit's errors.
    pub fn encrypt<E: CkksEvaluator>(&self, e: &E) -> Result<TrainingInputs<E::Value>> {
        let la = LinAlg::new(e);
        let unit = self.unit(e.slots())?;
        let top = e.max_level();
        Ok(match self.kind {
            Kind::Baseline => {
                let (w0, v0) = self.initial()?;
                let base = Baseline::new(self.cfg.clone());
                TrainingInputs::Baseline(base.encrypt_inputs(&la, self.z, &w0, &v0, unit, top)?)
            }
            Kind::LowDepth => {
                let low = self.low()?;
                let state = self.state.as_ref().map(|(w, v)| (w.as_slice(), v.as_slice()));
                TrainingInputs::LowDepth(low.encrypt_inputs(&la, self.z, state, unit, top)?)
            }
        })
    }

    /// The server's side: trains on encrypted inputs.
    ///
    /// # Errors
    /// The toolkit's errors; [`CircuitError::InvalidConfig`] for inputs of the other circuit.
    pub fn run_on<E: CkksEvaluator>(
        &self,
        e: &E,
        inputs: &TrainingInputs<E::Value>,
    ) -> Result<SplitModel<E::Value>> {
        let la = LinAlg::new(e);
        match (self.kind, inputs) {
            (Kind::Baseline, TrainingInputs::Baseline(i)) => {
                let base = Baseline::new(self.cfg.clone());
                Ok(SplitModel { row: None, col: Some(base.run(&la, i)?) })
            }
            (Kind::LowDepth, TrainingInputs::LowDepth(i)) => self.low()?.run(&la, i),
            _ => Err(CircuitError::InvalidConfig(format!(
                "inputs of the other circuit given to the {} circuit",
                self.kind.name()
            ))),
        }
    }

    /// As [`Training::run_on`], also returning `w_{k-1}`, from which the client forms `v_k` to
    /// resume.
    ///
    /// # Errors
    /// As [`Training::run_on`].
    pub fn run_on_with_previous<E: CkksEvaluator>(
        &self,
        e: &E,
        inputs: &TrainingInputs<E::Value>,
    ) -> Result<ModelAndPrevious<E::Value>> {
        match (self.kind, inputs) {
            (Kind::Baseline, TrainingInputs::Baseline(i)) => {
                let la = LinAlg::new(e);
                let (w, prev) = Baseline::new(self.cfg.clone()).run_state(&la, i)?;
                Ok((
                    SplitModel { row: None, col: Some(w) },
                    SplitModel { row: None, col: Some(prev) },
                ))
            }
            (Kind::LowDepth, TrainingInputs::LowDepth(i)) => {
                Ok(self.low()?.run_with_previous(&LinAlg::new(e), i)?)
            }
            _ => Err(CircuitError::InvalidConfig(format!(
                "inputs of the other circuit given to the {} circuit",
                self.kind.name()
            ))),
        }
    }

    /// Encrypts the inputs and trains ([`Training::encrypt`] then [`Training::run_on`]).
    ///
    /// # Errors
    /// The toolkit's errors.
    pub fn train<E: CkksEvaluator>(&self, e: &E) -> Result<SplitModel<E::Value>> {
        self.run_on(e, &self.encrypt(e)?)
    }
}

impl Circuit for Training<'_> {
    type Output<E: CkksEvaluator> = SplitModel<E::Value>;

    fn run<E: CkksEvaluator>(&self, e: &E) -> ckks::Result<SplitModel<E::Value>> {
        self.train(e).map_err(|err| match err {
            CircuitError::Linalg(linalg::LinalgError::Ckks(c)) => c,
            other => ckks::CkksError::InvalidParameters(other.to_string()),
        })
    }
}

/// A named uploaded object, in plaintext (client side) or encrypted (`V`).
#[derive(Clone, Debug)]
pub enum Object<M, R, C> {
    /// A matrix.
    Matrix(M),
    /// A row vector.
    Row(R),
    /// A column vector.
    Col(C),
}

/// A named plaintext upload.
pub type PlainObject = Object<PlainMatrix, Vec<f64>, Vec<f64>>;

/// A named encrypted upload.
pub type EncryptedObject<V> = Object<Matrix<V>, RowVector<V>, ColVector<V>>;

impl Training<'_> {
    /// The plaintext of every input, by the names of [`Training::inputs`] (what the client
    /// encrypts).
    ///
    /// # Errors
    /// [`CircuitError::NotEnoughData`].
    pub fn plain_inputs(&self) -> Result<BTreeMap<String, PlainObject>> {
        let mut out = BTreeMap::new();
        match self.kind {
            Kind::Baseline => {
                self.cfg.check(self.z.rows())?;
                let (b, d) = (self.cfg.batch_size, self.z.cols());
                for t in 0..self.cfg.minibatches {
                    let batch = PlainMatrix::from_fn(b, d, |i, j| self.z.get(t * b + i, j));
                    out.insert(format!("Z_{t}"), Object::Matrix(batch));
                }
                let (w0, v0) = self.initial()?;
                out.insert("w_0".into(), Object::Col(w0));
                out.insert("v_0".into(), Object::Col(v0));
            }
            Kind::LowDepth => {
                for (name, m) in self.low()?.plain_inputs(self.z)? {
                    out.insert(name, Object::Matrix(m));
                }
                if self.state.is_some() {
                    let (w0, v0) = self.initial()?;
                    for (name, v) in STATE_VECTORS.into_iter().zip([w0, v0]) {
                        out.insert(state_input_name(name, true), Object::Row(v.clone()));
                        out.insert(state_input_name(name, false), Object::Col(v));
                    }
                }
            }
        }
        Ok(out)
    }

    /// The circuit's inputs from named encrypted objects (as read back on the server).
    ///
    /// # Errors
    /// [`CircuitError::InvalidConfig`] for a missing object or one of the wrong kind.
    pub fn inputs_from<V: Clone>(
        &self,
        mut objects: BTreeMap<String, EncryptedObject<V>>,
    ) -> Result<TrainingInputs<V>> {
        let mut take = |name: &str| {
            objects.remove(name).ok_or_else(|| {
                CircuitError::InvalidConfig(format!("the upload has no object {name}"))
            })
        };
        let wrong = |name: &str| CircuitError::InvalidConfig(format!("{name} has the wrong kind"));
        Ok(match self.kind {
            Kind::Baseline => {
                let mut z = Vec::new();
                for t in 0..self.cfg.minibatches {
                    let name = format!("Z_{t}");
                    match take(&name)? {
                        Object::Matrix(m) => z.push(m),
                        _ => return Err(wrong(&name)),
                    }
                }
                let mut col = |name: &str| match take(name)? {
                    Object::Col(c) => Ok(c),
                    _ => Err(wrong(name)),
                };
                let w0 = col("w_0")?;
                let v0 = col("v_0")?;
                TrainingInputs::Baseline(crate::inputs::LrInputs { z, w0, v0 })
            }
            Kind::LowDepth => {
                let low = self.low()?;
                let mut inputs = crate::lowdepth::LowDepthInputs {
                    matrices: BTreeMap::new(),
                    rows: BTreeMap::new(),
                    cols: BTreeMap::new(),
                };
                for name in low.plain_inputs_names(self.z.cols()) {
                    match take(&name)? {
                        Object::Matrix(m) => {
                            inputs.matrices.insert(name, m);
                        }
                        _ => return Err(wrong(&name)),
                    }
                }
                if self.state.is_some() {
                    for name in STATE_VECTORS {
                        let (r, c) = (state_input_name(name, true), state_input_name(name, false));
                        match (take(&r)?, take(&c)?) {
                            (Object::Row(rv), Object::Col(cv)) => {
                                inputs.rows.insert(r, rv);
                                inputs.cols.insert(c, cv);
                            }
                            _ => return Err(wrong(name)),
                        }
                    }
                }
                TrainingInputs::LowDepth(inputs)
            }
        })
    }
}

/// The model `w_k` and `w_{k-1}`.
pub type ModelAndPrevious<V> = (SplitModel<V>, SplitModel<V>);

/// The encrypted inputs of either circuit.
#[derive(Clone, Debug)]
pub enum TrainingInputs<V> {
    /// The baseline's.
    Baseline(crate::inputs::LrInputs<V>),
    /// The low-depth circuit's.
    LowDepth(crate::lowdepth::LowDepthInputs<V>),
}

/// What one run of a circuit costs.
#[derive(Clone, Debug, PartialEq)]
pub struct CostReport {
    /// `"baseline"` or `"lowdepth"`.
    pub circuit: &'static str,
    /// Multiplicative depth (depth finder).
    pub depth: usize,
    /// Operation counts (op counter).
    pub counts: OpCounts,
    /// The uploads.
    pub inputs: Vec<InputSpec>,
    /// Ciphertexts uploaded.
    pub input_ciphertexts: usize,
    /// Bytes uploaded (no compression).
    pub upload_bytes: usize,
    /// The encoding unit.
    pub unit: EncodingUnit,
}

impl std::fmt::Display for CostReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.counts;
        write!(
            f,
            "{}: depth {}; {}; {} input ciphertexts ({:.1} MiB); multiplications: {} ciphertext, {} \
             plaintext, {} constant; {} relinearizations, {} rotations ({} hoisted), {} key \
             switches, {} rescales",
            self.circuit,
            self.depth,
            self.unit,
            self.input_ciphertexts,
            self.upload_bytes as f64 / (1 << 20) as f64,
            c.ct_multiplications,
            c.plain_multiplications,
            c.const_multiplications,
            c.relinearizations,
            c.rotations,
            c.hoisted_rotations,
            c.key_switches(),
            c.rescales
        )
    }
}

/// The model `w = row + col` read back, `f` turning a tile into its slots' real parts.
///
/// # Errors
/// Whatever `f` returns.
pub fn decode_model<V>(
    model: &SplitModel<V>,
    d: usize,
    f: impl Fn(&V) -> ckks::Result<Vec<f64>> + Copy,
) -> Result<Vec<f64>> {
    let mut w = vec![0.0; d];
    if let Some(r) = &model.row {
        for (x, y) in w.iter_mut().zip(decode_row(r, f)?) {
            *x += y;
        }
    }
    if let Some(c) = &model.col {
        for (x, y) in w.iter_mut().zip(decode_col(c, f)?) {
            *x += y;
        }
    }
    Ok(w)
}

/// Encrypted inference: the scores `X w` of the samples `x` (`n x d`, encrypted) under the
/// encrypted model, as a row vector over the samples. A row-layout part of the model is
/// converted first (depth 1); the product costs 2.
///
/// # Errors
/// The toolkit's errors (shapes, levels, keys).
pub fn infer<E: CkksEvaluator>(
    la: &LinAlg<'_, E>,
    model: &SplitModel<E::Value>,
    x: &Matrix<E::Value>,
) -> Result<RowVector<E::Value>> {
    let col: ColVector<E::Value> = match (&model.row, &model.col) {
        (Some(r), Some(c)) => {
            let rc = la.row_to_col(r, 1.0)?;
            let lvl = la.level(&rc).min(la.level(c));
            la.add(&la.align_to_level(&rc, lvl)?, &la.align_to_level(c, lvl)?)?
        }
        (Some(r), None) => la.row_to_col(r, 1.0)?,
        (None, Some(c)) => c.clone(),
        (None, None) => return Err(CircuitError::InvalidConfig("an empty model".into())),
    };
    let x = la.align_to_level(x, la.level(&col).min(la.level(x)))?;
    let col = la.align_to_level(&col, la.level(&x))?;
    Ok(la.matrix_times_col(&x, &col, 1.0)?)
}

/// Encrypted inference on plaintext samples: `x` is encrypted by the evaluator (a server can
/// do this with the public key) at the model's level, then as [`infer`].
///
/// # Errors
/// As [`infer`].
pub fn infer_plain<E: CkksEvaluator>(
    la: &LinAlg<'_, E>,
    model: &SplitModel<E::Value>,
    x: &PlainMatrix,
    unit: EncodingUnit,
) -> Result<RowVector<E::Value>> {
    let level = match (&model.row, &model.col) {
        (Some(r), _) => la.level(r),
        (None, Some(c)) => la.level(c),
        (None, None) => return Err(CircuitError::InvalidConfig("an empty model".into())),
    };
    infer(la, model, &la.encrypt_matrix(x, unit, level)?)
}
