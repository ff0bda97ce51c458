//! Both trainers behind one interface: as [`ckks::eval::Circuit`]s (so automatic parameters,
//! op counting and encrypted runs treat them alike), with what they upload and return (in the
//! terms of [`crate::protocol`]), their cost reports, and encrypted inference.

use crate::baseline::{Baseline, BaselineInputs};
use crate::error::{CircuitError, ConfigFault, Result};
use crate::lowdepth::{LowDepth, LowDepthInputs};
use crate::protocol::{
    model_objects, ModelAndPrevious, ObjectName, ObjectSpec, Objects, PlainObject, SplitModel,
};
use crate::reference::TrainConfig;
use ckks::eval::{Circuit, CkksEvaluator, Counter, Depth, Observed, OpCounts, SymbolicEvaluator};
use ckks::ModulusChain;
use linalg::{
    decode_col, decode_row, ColVector, EncodingUnit, LinAlg, Matrix, PlainMatrix, RowVector,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The depth-5k baseline.
    Baseline,
    /// The depth-2.5k circuit.
    LowDepth,
}

impl Kind {
    /// Both circuits.
    pub const ALL: [Kind; 2] = [Kind::Baseline, Kind::LowDepth];

    /// `"baseline"` or `"lowdepth"`.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Baseline => "baseline",
            Kind::LowDepth => "lowdepth",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Kind {
    type Err = CircuitError;

    /// `"baseline"` or `"lowdepth"`.
    fn from_str(s: &str) -> Result<Self> {
        Kind::ALL.into_iter().find(|k| k.name() == s).ok_or_else(|| {
            CircuitError::InvalidConfig(ConfigFault::UnknownCircuit { name: s.to_string() })
        })
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
    /// The state `(w_0, v_0)` a resumed round starts from (`None`: zero).
    pub state: Option<(Vec<f64>, Vec<f64>)>,
    /// Whether the state comes in the column layout only, as a bootstrap leaves it: the
    /// low-depth circuit then starts from
    /// [`Start::Refreshed`](crate::lowdepth::Start::Refreshed) rather than
    /// [`Start::Uploaded`](crate::lowdepth::Start::Uploaded) (the baseline reads columns
    /// either way).
    pub refreshed: bool,
    /// Units already chosen, by slot count.
    chosen: std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<usize, EncodingUnit>>>,
}

impl<'a> Training<'a> {
    /// A training circuit whose unit is chosen automatically.
    pub fn new(kind: Kind, cfg: TrainConfig, z: &'a PlainMatrix) -> Self {
        Self {
            kind,
            cfg,
            z,
            unit_height: None,
            state: None,
            refreshed: false,
            chosen: Default::default(),
        }
    }

    /// The same circuit resuming from `(w_0, v_0)`, uploaded by the client (set
    /// [`TrainConfig::start_iteration`] too).
    pub fn with_state(&self, w0: Vec<f64>, v0: Vec<f64>) -> Self {
        Self { state: Some((w0, v0)), refreshed: false, ..self.clone() }
    }

    /// The same circuit resuming from `(w_0, v_0)` as column vectors only, refreshed by a
    /// bootstrap on the server (set [`TrainConfig::start_iteration`] too).
    pub fn with_refreshed_state(&self, w0: Vec<f64>, v0: Vec<f64>) -> Self {
        Self { state: Some((w0, v0)), refreshed: true, ..self.clone() }
    }

    fn initial(&self) -> Result<(Vec<f64>, Vec<f64>)> {
        Ok(self
            .state
            .clone()
            .unwrap_or_else(|| (vec![0.0; self.z.cols()], vec![0.0; self.z.cols()])))
    }

    /// The low-depth trainer of this configuration: from zero, or resumed from the state as
    /// it comes.
    ///
    /// # Errors
    /// As [`LowDepth::new`].
    pub fn low_depth(&self) -> Result<LowDepth> {
        let cfg = self.cfg.clone();
        match (&self.state, self.refreshed) {
            (None, _) => LowDepth::new(cfg),
            (Some(_), false) => LowDepth::resumed(cfg),
            (Some(_), true) => LowDepth::refreshed(cfg),
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
            Kind::LowDepth => self.low_depth()?.depth(),
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
        let unit = best
            .map(|(_, u)| u)
            .ok_or(CircuitError::InvalidConfig(ConfigFault::NoEncodingUnit { slots }))?;
        self.chosen.lock().expect("unit cache").insert(slots, unit);
        Ok(unit)
    }

    /// The names of the uploaded objects (see [`crate::protocol`]).
    ///
    /// # Errors
    /// As [`Training::depth`].
    pub fn names(&self) -> Result<Vec<ObjectName>> {
        Ok(match self.kind {
            Kind::Baseline => Baseline::new(self.cfg.clone()).names(),
            Kind::LowDepth => self.low_depth()?.names(),
        })
    }

    /// What the client uploads on `slots` slots, inputs starting at level `top`: the one list
    /// of names, kinds, shapes, units and levels the client encrypts and the server expects.
    ///
    /// # Errors
    /// As [`Training::unit`].
    pub fn upload(&self, slots: usize, top: usize) -> Result<Vec<ObjectSpec>> {
        let unit = self.unit(slots)?;
        match self.kind {
            Kind::Baseline => Baseline::new(self.cfg.clone()).inputs(self.z.cols(), unit, top),
            Kind::LowDepth => self.low_depth()?.plan(self.z.cols(), unit, top),
        }
    }

    /// What the server returns on `slots` slots when the inputs start at level `top`: the parts
    /// of `w_k` and `w_{k-1}` with their levels, from a symbolic run.
    ///
    /// # Errors
    /// As [`Training::run_on_with_previous`].
    pub fn returned(&self, slots: usize, top: usize) -> Result<Vec<ObjectSpec>> {
        let chain = ModulusChain::analysis((2 * slots).trailing_zeros(), top, 40)?;
        let e = SymbolicEvaluator::new(chain);
        let objects = model_objects(self.run_on_with_previous(&e, &self.encrypt(&e)?)?);
        let la = LinAlg::new(&e);
        objects.iter().map(|(name, o)| o.spec(&la, *name)).collect()
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
        let inputs = fixed.upload(slots, depth)?;
        let n = 1usize << log_n;
        Ok(CostReport {
            circuit: self.kind.name(),
            depth: d.depth(),
            counts: counter.counts(),
            input_ciphertexts: inputs.iter().map(ObjectSpec::tiles).sum(),
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
                let low = self.low_depth()?;
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
        Ok(self.run_both(e, inputs, false)?.0)
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
        let (w, prev) = self.run_both(e, inputs, true)?;
        Ok((w, prev.expect("asked for")))
    }

    /// `w_k`, and `w_{k-1}` when `previous`.
    fn run_both<E: CkksEvaluator>(
        &self,
        e: &E,
        inputs: &TrainingInputs<E::Value>,
        previous: bool,
    ) -> Result<WithPrevious<E::Value>> {
        let la = LinAlg::new(e);
        match (self.kind, inputs) {
            (Kind::Baseline, TrainingInputs::Baseline(i)) => {
                let (w, prev) = Baseline::new(self.cfg.clone()).run_state(&la, i)?;
                let col = |v| SplitModel { row: None, col: Some(v) };
                Ok((col(w), previous.then(|| col(prev))))
            }
            (Kind::LowDepth, TrainingInputs::LowDepth(i)) => {
                let low = self.low_depth()?;
                if previous {
                    let (w, prev) = low.run_with_previous(&la, i)?;
                    Ok((w, Some(prev)))
                } else {
                    Ok((low.run(&la, i)?, None))
                }
            }
            _ => Err(CircuitError::InvalidConfig(ConfigFault::OtherCircuitInputs {
                circuit: self.kind.name(),
            })),
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
            other => ckks::CkksError::Circuit(other.to_string()),
        })
    }
}

impl Training<'_> {
    /// The plaintext of every upload, by the names of [`Training::upload`] (what the client
    /// encrypts).
    ///
    /// # Errors
    /// [`CircuitError::NotEnoughData`]; [`CircuitError::InvalidConfig`].
    pub fn plain_inputs(&self) -> Result<BTreeMap<ObjectName, PlainObject>> {
        let (w0, v0) = self.initial()?;
        match self.kind {
            Kind::Baseline => Baseline::new(self.cfg.clone()).plain_inputs(self.z, &w0, &v0),
            Kind::LowDepth => {
                let state = self.state.is_some().then_some((w0.as_slice(), v0.as_slice()));
                self.low_depth()?.plain_inputs(self.z, state)
            }
        }
    }

    /// The circuit's inputs from named encrypted objects (as read back on the server), which
    /// must be exactly [`Training::names`].
    ///
    /// # Errors
    /// [`CircuitError::MissingObject`], [`CircuitError::UnexpectedObject`],
    /// [`CircuitError::ValueMismatch`].
    pub fn inputs_from<V: Clone>(&self, objects: Objects<V>) -> Result<TrainingInputs<V>> {
        Ok(match self.kind {
            Kind::Baseline => {
                TrainingInputs::Baseline(Baseline::new(self.cfg.clone()).inputs_from(objects)?)
            }
            Kind::LowDepth => TrainingInputs::LowDepth(self.low_depth()?.inputs_from(objects)?),
        })
    }
}

/// `w_k`, and `w_{k-1}` when it was asked for.
type WithPrevious<V> = (SplitModel<V>, Option<SplitModel<V>>);

/// The encrypted inputs of either circuit.
#[derive(Clone, Debug)]
pub enum TrainingInputs<V> {
    /// The baseline's.
    Baseline(BaselineInputs<V>),
    /// The low-depth circuit's.
    LowDepth(LowDepthInputs<V>),
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
    pub inputs: Vec<ObjectSpec>,
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
        (None, None) => return Err(CircuitError::InvalidConfig(ConfigFault::EmptyModel)),
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
        (None, None) => return Err(CircuitError::InvalidConfig(ConfigFault::EmptyModel)),
    };
    infer(la, model, &la.encrypt_matrix(x, unit, level)?)
}
