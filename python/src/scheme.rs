//! The scheme for notebooks: a [`Context`] (parameters and keys, from explicit parameters or
//! from `ckks::eval::choose_parameters` on a circuit written in Python) and one [`Evaluator`]
//! class whose methods are those of `ckks::eval::CkksEvaluator`, under five interpretations:
//! encrypted (`HomomorphicEvaluator`), plaintext (`PlaintextEvaluator`), depth finder
//! (`DepthFinder`), op counter (`OpCounter`), and the tracer that records a Python circuit
//! so that `choose_parameters` can run it as a Rust [`Circuit`].
//!
//! Every operation is an [`Op`], applied by one generic function ([`apply`]) to any
//! evaluator: the live evaluators and the replay of a trace share it.

use crate::errors::{ckks_to_py, raise};
use crate::estimator::counts_dict;
use ckks::eval::{
    choose_parameters, AutoOptions, Circuit, CkksEvaluator, DepthFinder, HomomorphicEvaluator,
    OpCounter, PlaintextEvaluator, SlotVector,
};
use ckks::{Ciphertext, Meta, ModulusChain, ParametersLiteral, Prng, SecretKey, Security};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use std::sync::{Arc, Mutex};

/// One operation of the evaluator interface, on operands `V`.
#[derive(Clone, Debug)]
pub enum Op<V> {
    /// Encrypts (or encodes, or simulates) values at a level (`None`: the top).
    Encrypt(Vec<f64>, Option<usize>),
    /// `a + b`.
    Add(V, V),
    /// `a - b`.
    Sub(V, V),
    /// `-a`.
    Neg(V),
    /// `a * b`, without relinearization.
    Mul(V, V),
    /// `a * b`, relinearized.
    MulRelin(V, V),
    /// `a * a`, relinearized.
    Square(V),
    /// Relinearization.
    Relinearize(V),
    /// Rescaling (one level).
    Rescale(V),
    /// Rotation of the slots by a step.
    Rotate(V, i64),
    /// `a + c`.
    AddConst(V, f64),
    /// `a * c` (at the scale of the next prime; rescale after).
    MulConst(V, f64),
    /// Down to a level, by dropping primes.
    DropLevel(V, usize),
    /// Down to the level of `b` (rescaling where the scales call for it).
    AlignTo(V, V),
}

impl<V> Op<V> {
    fn map<W>(self, mut f: impl FnMut(V) -> Option<W>) -> Option<Op<W>> {
        Some(match self {
            Op::Encrypt(v, l) => Op::Encrypt(v, l),
            Op::Add(a, b) => Op::Add(f(a)?, f(b)?),
            Op::Sub(a, b) => Op::Sub(f(a)?, f(b)?),
            Op::Neg(a) => Op::Neg(f(a)?),
            Op::Mul(a, b) => Op::Mul(f(a)?, f(b)?),
            Op::MulRelin(a, b) => Op::MulRelin(f(a)?, f(b)?),
            Op::Square(a) => Op::Square(f(a)?),
            Op::Relinearize(a) => Op::Relinearize(f(a)?),
            Op::Rescale(a) => Op::Rescale(f(a)?),
            Op::Rotate(a, s) => Op::Rotate(f(a)?, s),
            Op::AddConst(a, c) => Op::AddConst(f(a)?, c),
            Op::MulConst(a, c) => Op::MulConst(f(a)?, c),
            Op::DropLevel(a, l) => Op::DropLevel(f(a)?, l),
            Op::AlignTo(a, b) => Op::AlignTo(f(a)?, f(b)?),
        })
    }
}

/// Applies `op` with evaluator `e`: the one place the Python methods meet the trait.
///
/// # Errors
/// Whatever the evaluator reports.
pub fn apply<E: CkksEvaluator>(e: &E, op: Op<&E::Value>) -> ckks::Result<E::Value> {
    match op {
        Op::Encrypt(v, l) => e.encrypt(&v, l.unwrap_or(e.max_level())),
        Op::Add(a, b) => e.add(a, b),
        Op::Sub(a, b) => e.sub(a, b),
        Op::Neg(a) => e.neg(a),
        Op::Mul(a, b) => e.mul(a, b),
        Op::MulRelin(a, b) => e.mul_relin(a, b),
        Op::Square(a) => e.square_relin(a),
        Op::Relinearize(a) => e.relinearize(a),
        Op::Rescale(a) => e.rescale(a),
        Op::Rotate(a, s) => e.rotate(a, s),
        Op::AddConst(a, c) => e.add_const(a, c),
        Op::MulConst(a, c) => e.mul_const(a, c),
        Op::DropLevel(a, l) => e.drop_level(a, l),
        Op::AlignTo(a, b) => e.align_to_level(a, e.level(b)),
    }
}

/// A value of one of the evaluators.
#[derive(Clone, Debug)]
enum Val {
    Ct(Ciphertext),
    Slots(SlotVector),
    Sym(Meta),
    /// A value recorded by the tracer `.0`, the `.1`-th operation of its trace.
    Traced(u64, usize),
}

/// Values in and out of [`Val`], per evaluator.
trait Wrap: CkksEvaluator {
    fn wrap(v: Self::Value) -> Val;
    fn get(v: &Val) -> Option<&Self::Value>;
}

impl Wrap for HomomorphicEvaluator {
    fn wrap(v: Ciphertext) -> Val {
        Val::Ct(v)
    }
    fn get(v: &Val) -> Option<&Ciphertext> {
        if let Val::Ct(c) = v {
            Some(c)
        } else {
            None
        }
    }
}

impl Wrap for PlaintextEvaluator {
    fn wrap(v: SlotVector) -> Val {
        Val::Slots(v)
    }
    fn get(v: &Val) -> Option<&SlotVector> {
        if let Val::Slots(s) = v {
            Some(s)
        } else {
            None
        }
    }
}

macro_rules! symbolic_wrap {
    ($($t:ty),*) => {$(
        impl Wrap for $t {
            fn wrap(v: Meta) -> Val {
                Val::Sym(v)
            }
            fn get(v: &Val) -> Option<&Meta> {
                if let Val::Sym(m) = v { Some(m) } else { None }
            }
        }
    )*};
}
symbolic_wrap!(DepthFinder, OpCounter);

/// A value (an encrypted vector, a plaintext slot vector, or symbolic metadata), made and used
/// by one evaluator.
#[pyclass(frozen, module = "lowdepth._native")]
pub struct Value {
    v: Val,
}

#[pymethods]
impl Value {
    fn __repr__(&self) -> String {
        match &self.v {
            Val::Ct(c) => format!("Value(ciphertext, level {})", c.level()),
            Val::Slots(s) => format!("Value(plaintext, level {})", s.meta().level),
            Val::Sym(m) => format!("Value(symbolic, level {})", m.level),
            Val::Traced(_, i) => format!("Value(traced #{i})"),
        }
    }
}

/// The interpretations.
enum Backend {
    Encrypted {
        he: HomomorphicEvaluator,
        sk: Arc<SecretKey>,
    },
    Plain(PlaintextEvaluator),
    Depth(DepthFinder),
    Count(OpCounter),
    /// A tracer (its identity, so that values of another trace are refused) and its trace.
    Trace(u64, Mutex<Vec<Op<usize>>>),
}

/// Identities of tracers.
static TRACERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// One evaluator interface, five interpretations: write a circuit ``f(ev, ...)`` once
/// against these methods and run it with ``ctx.encrypted()``, ``ctx.plaintext()``,
/// ``ctx.depth_finder()`` or ``ctx.op_counter()`` (or the standalone ones of
/// ``lowdepth.scheme``); ``Context.auto`` traces it to choose parameters. The preconditions
/// (equal levels and scales, a level left to rescale, keys for rotations) are the same under
/// every interpretation, and a violation raises ``CkksError``.
#[pyclass(frozen, module = "lowdepth._native")]
pub struct Evaluator {
    backend: Backend,
}

fn live<E: Wrap>(e: &E, op: Op<&Val>) -> PyResult<Val> {
    let op = op.map(E::get).ok_or_else(|| {
        raise("CkksError", "a value made by another kind of evaluator".to_string())
    })?;
    apply(e, op).map(E::wrap).map_err(ckks_to_py)
}

impl Evaluator {
    fn run(&self, py: Python<'_>, op: Op<&Value>) -> PyResult<Value> {
        let op = op.map(|v| Some(&v.v)).expect("total");
        let v = match &self.backend {
            // The encrypted operations release the GIL.
            Backend::Encrypted { he, .. } => py.detach(|| live(he, op))?,
            Backend::Plain(e) => live(e, op)?,
            Backend::Depth(e) => live(e, op)?,
            Backend::Count(e) => live(e, op)?,
            Backend::Trace(id, ops) => {
                let op = op
                    .map(|v| match v {
                        Val::Traced(t, i) if t == id => Some(*i),
                        _ => None,
                    })
                    .ok_or_else(|| {
                        raise("CkksError", "a value made by another evaluator".to_string())
                    })?;
                let mut ops = ops.lock().unwrap_or_else(|p| p.into_inner());
                ops.push(op);
                Val::Traced(*id, ops.len() - 1)
            }
        };
        Ok(Value { v })
    }

    fn meta(&self, v: &Value) -> PyResult<Meta> {
        let m = match (&self.backend, &v.v) {
            (Backend::Encrypted { he, .. }, Val::Ct(c)) => he.meta(c),
            (Backend::Plain(e), Val::Slots(s)) => e.meta(s),
            (Backend::Depth(_) | Backend::Count(_), Val::Sym(m)) => *m,
            (Backend::Trace(..), _) => {
                return Err(raise(
                    "CkksError",
                    "levels and scales are unknown while tracing for Context.auto (use \
                     align_to(a, b) to bring a down to b's level)"
                        .to_string(),
                ))
            }
            _ => return Err(raise("CkksError", "a value made by another evaluator".into())),
        };
        Ok(m)
    }
}

#[pymethods]
impl Evaluator {
    /// The interpretation: "encrypted", "plaintext", "depth", "count" or "trace".
    #[getter]
    fn kind(&self) -> &'static str {
        match self.backend {
            Backend::Encrypted { .. } => "encrypted",
            Backend::Plain(_) => "plaintext",
            Backend::Depth(_) => "depth",
            Backend::Count(_) => "count",
            Backend::Trace(..) => "trace",
        }
    }

    /// Encrypts (encodes, simulates) real values at ``level`` (default: the top level).
    #[pyo3(signature = (values, level=None))]
    fn encrypt(&self, py: Python<'_>, values: Vec<f64>, level: Option<usize>) -> PyResult<Value> {
        self.run(py, Op::Encrypt(values, level))
    }
    fn add(&self, py: Python<'_>, a: &Value, b: &Value) -> PyResult<Value> {
        self.run(py, Op::Add(a, b))
    }
    fn sub(&self, py: Python<'_>, a: &Value, b: &Value) -> PyResult<Value> {
        self.run(py, Op::Sub(a, b))
    }
    fn neg(&self, py: Python<'_>, a: &Value) -> PyResult<Value> {
        self.run(py, Op::Neg(a))
    }
    fn mul(&self, py: Python<'_>, a: &Value, b: &Value) -> PyResult<Value> {
        self.run(py, Op::Mul(a, b))
    }
    fn mul_relin(&self, py: Python<'_>, a: &Value, b: &Value) -> PyResult<Value> {
        self.run(py, Op::MulRelin(a, b))
    }
    fn square(&self, py: Python<'_>, a: &Value) -> PyResult<Value> {
        self.run(py, Op::Square(a))
    }
    fn relinearize(&self, py: Python<'_>, a: &Value) -> PyResult<Value> {
        self.run(py, Op::Relinearize(a))
    }
    fn rescale(&self, py: Python<'_>, a: &Value) -> PyResult<Value> {
        self.run(py, Op::Rescale(a))
    }
    fn rotate(&self, py: Python<'_>, a: &Value, step: i64) -> PyResult<Value> {
        self.run(py, Op::Rotate(a, step))
    }
    fn add_const(&self, py: Python<'_>, a: &Value, c: f64) -> PyResult<Value> {
        self.run(py, Op::AddConst(a, c))
    }
    fn mul_const(&self, py: Python<'_>, a: &Value, c: f64) -> PyResult<Value> {
        self.run(py, Op::MulConst(a, c))
    }
    fn drop_level(&self, py: Python<'_>, a: &Value, level: usize) -> PyResult<Value> {
        self.run(py, Op::DropLevel(a, level))
    }
    fn align_to(&self, py: Python<'_>, a: &Value, b: &Value) -> PyResult<Value> {
        self.run(py, Op::AlignTo(a, b))
    }

    /// The value's level.
    fn level(&self, v: &Value) -> PyResult<usize> {
        Ok(self.meta(v)?.level)
    }
    /// The value's scale.
    fn scale(&self, v: &Value) -> PyResult<f64> {
        Ok(self.meta(v)?.scale)
    }
    /// The slots available.
    #[getter]
    fn slots(&self) -> PyResult<usize> {
        match &self.backend {
            Backend::Encrypted { he, .. } => Ok(he.slots()),
            Backend::Plain(e) => Ok(e.slots()),
            Backend::Depth(e) => Ok(e.slots()),
            Backend::Count(e) => Ok(e.slots()),
            Backend::Trace(..) => Err(raise("CkksError", "no ring while tracing".into())),
        }
    }
    /// The top level.
    #[getter]
    fn max_level(&self) -> PyResult<usize> {
        match &self.backend {
            Backend::Encrypted { he, .. } => Ok(he.max_level()),
            Backend::Plain(e) => Ok(e.max_level()),
            Backend::Depth(e) => Ok(e.max_level()),
            Backend::Count(e) => Ok(e.max_level()),
            Backend::Trace(..) => Err(raise("CkksError", "no chain while tracing".into())),
        }
    }

    /// The real parts of the slots: decrypted and decoded (encrypted), or exact (plaintext).
    fn decrypt(&self, py: Python<'_>, v: &Value) -> PyResult<Vec<f64>> {
        match (&self.backend, &v.v) {
            (Backend::Encrypted { he, sk }, Val::Ct(c)) => {
                py.detach(|| he.context().decode(&sk.decrypt(c)?)).map_err(ckks_to_py)
            }
            (Backend::Plain(_), Val::Slots(s)) => Ok(s.real()),
            _ => Err(raise(
                "CkksError",
                format!("the {} evaluator has no values to decrypt", self.kind()),
            )),
        }
    }

    /// The depth reached so far (depth finder).
    fn depth(&self) -> PyResult<usize> {
        match &self.backend {
            Backend::Depth(e) => Ok(e.depth()),
            _ => Err(raise("CkksError", format!("the {} evaluator finds no depth", self.kind()))),
        }
    }

    /// The operations counted so far (op counter).
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        match &self.backend {
            Backend::Count(e) => counts_dict(py, &e.counts()),
            _ => Err(raise("CkksError", format!("the {} evaluator counts nothing", self.kind()))),
        }
    }

    /// The largest magnitude seen (plaintext).
    fn max_magnitude(&self) -> PyResult<f64> {
        match &self.backend {
            Backend::Plain(e) => Ok(e.max_magnitude()),
            _ => Err(raise("CkksError", format!("the {} evaluator sees no values", self.kind()))),
        }
    }

    fn __repr__(&self) -> String {
        format!("Evaluator({})", self.kind())
    }
}

/// A traced Python circuit as a Rust circuit: the recorded operations replayed on any
/// evaluator.
struct Trace {
    ops: Vec<Op<usize>>,
    output: usize,
}

impl Circuit for Trace {
    type Output<E: CkksEvaluator> = E::Value;

    fn run<E: CkksEvaluator>(&self, e: &E) -> ckks::Result<E::Value> {
        let mut values: Vec<E::Value> = Vec::with_capacity(self.ops.len());
        for op in &self.ops {
            let op = op.clone().map(|i| values.get(i)).expect("a trace refers to earlier values");
            let v = apply(e, op)?;
            values.push(v);
        }
        Ok(values[self.output].clone())
    }
}

/// CKKS parameters with their keys (secret, public, relinearization, Galois).
#[pyclass(frozen, module = "lowdepth._native")]
pub struct Context {
    ctx: ckks::Context,
    sk: Arc<SecretKey>,
    he: Arc<dyn Fn() -> ckks::Result<HomomorphicEvaluator> + Send + Sync>,
    depth: Option<usize>,
}

fn security(insecure: bool) -> Security {
    if insecure {
        Security::InsecureToyParameters
    } else {
        Security::HeStandard128
    }
}

#[pymethods]
impl Context {
    /// Parameters given explicitly: ``levels`` data primes of ``log_scale`` bits over a
    /// ``first_prime_bits`` first prime, key-switching in ``dnum`` digits (default: one per
    /// prime); keys for relinearization and the rotation ``steps``. 128-bit security is
    /// checked unless ``insecure_toy_parameters``.
    #[staticmethod]
    #[pyo3(signature = (log_n, levels, log_scale, *, rotations=Vec::new(), first_prime_bits=60, special_prime_bits=60, dnum=None, insecure_toy_parameters=false))]
    #[allow(clippy::too_many_arguments)]
    fn from_parameters(
        py: Python<'_>,
        log_n: u32,
        levels: usize,
        log_scale: u32,
        rotations: Vec<i64>,
        first_prime_bits: u32,
        special_prime_bits: u32,
        dnum: Option<usize>,
        insecure_toy_parameters: bool,
    ) -> PyResult<Self> {
        py.detach(|| {
            let dnum = dnum.unwrap_or(levels + 1);
            let ctx = ParametersLiteral::with_levels(
                log_n,
                levels,
                first_prime_bits,
                log_scale,
                special_prime_bits,
                dnum,
            )
            .security(security(insecure_toy_parameters))
            .build()?;
            let mut prng = Prng::from_os_entropy();
            let sk = Arc::new(SecretKey::generate(&ctx, &mut prng));
            let pk = sk.public_key(&mut prng);
            let keys = Arc::new(ckks::EvaluationKeys {
                relinearization: Some(sk.relinearization_key(&mut prng)),
                galois: sk.galois_keys(&rotations, false, &mut prng),
            });
            let c = ctx.clone();
            let he = Arc::new(move || {
                HomomorphicEvaluator::with_public_key(
                    ckks::Evaluator::new(&c, keys.clone())?,
                    pk.clone(),
                )
            });
            Ok(Context { ctx, sk, he, depth: None })
        })
        .map_err(ckks_to_py)
    }

    /// Parameters chosen for a circuit ``f(ev, *args)`` (``ckks::eval::choose_parameters``):
    /// ``f`` is traced once, then run by the parameter search under the depth finder, the op
    /// counter and the plaintext evaluator; keys are generated for exactly its rotations.
    /// ``insecure_toy_parameters`` takes the ring ``2^toy_log_n`` whatever the modulus.
    #[staticmethod]
    #[pyo3(signature = (f, *args, insecure_toy_parameters=false, toy_log_n=11))]
    fn auto(
        py: Python<'_>,
        f: &Bound<'_, PyAny>,
        args: &Bound<'_, PyTuple>,
        insecure_toy_parameters: bool,
        toy_log_n: u32,
    ) -> PyResult<Self> {
        let id = TRACERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tracer =
            Py::new(py, Evaluator { backend: Backend::Trace(id, Mutex::new(Vec::new())) })?;
        let mut call = vec![tracer.clone_ref(py).into_any()];
        call.extend(args.iter().map(|a| a.unbind()));
        let out = f.call1(PyTuple::new(py, call)?)?;
        let out: PyRef<'_, Value> = out.extract().map_err(|_| {
            raise("CircuitError", "the circuit must return a value of the evaluator".into())
        })?;
        let Val::Traced(tracer_id, output) = out.v else {
            return Err(raise("CircuitError", "the circuit returned a foreign value".into()));
        };
        let Backend::Trace(id, ops) = &tracer.get().backend else { unreachable!() };
        if tracer_id != *id {
            return Err(raise(
                "CircuitError",
                "the circuit returned a value of another trace".into(),
            ));
        }
        let trace = Trace {
            ops: std::mem::take(&mut *ops.lock().unwrap_or_else(|p| p.into_inner())),
            output,
        };
        let options = if insecure_toy_parameters {
            AutoOptions::insecure_toy_ring(toy_log_n)
        } else {
            AutoOptions::default()
        };
        py.detach(move || {
            let params = choose_parameters(&trace, &options)?;
            let keys = params.generate_keys(&mut Prng::from_os_entropy());
            let sk = keys.secret_key.clone();
            let depth = Some(params.depth);
            let ctx = params.context.clone();
            let he = Arc::new(move || params.homomorphic(&keys));
            Ok(Context { ctx, sk, he, depth })
        })
        .map_err(ckks_to_py)
    }

    /// The encrypted evaluator: encrypts with the public key, evaluates with the evaluation
    /// keys, decrypts with the secret key.
    fn encrypted(&self, py: Python<'_>) -> PyResult<Evaluator> {
        let he = py.detach(|| (self.he)()).map_err(ckks_to_py)?;
        Ok(Evaluator { backend: Backend::Encrypted { he, sk: self.sk.clone() } })
    }
    /// The plaintext evaluator on this chain (exact values, the same levels and scales).
    fn plaintext(&self) -> Evaluator {
        Evaluator { backend: Backend::Plain(PlaintextEvaluator::new(self.ctx.chain().clone())) }
    }
    /// The depth finder on this chain.
    fn depth_finder(&self) -> Evaluator {
        Evaluator { backend: Backend::Depth(DepthFinder::new(self.ctx.chain().clone())) }
    }
    /// The op counter on this chain.
    fn op_counter(&self) -> Evaluator {
        Evaluator { backend: Backend::Count(OpCounter::new(self.ctx.chain().clone())) }
    }

    /// log2 N.
    #[getter]
    fn log_n(&self) -> u32 {
        self.ctx.log_n()
    }
    /// N/2.
    #[getter]
    fn slots(&self) -> usize {
        self.ctx.slots()
    }
    /// The top level L.
    #[getter]
    fn max_level(&self) -> usize {
        self.ctx.max_level()
    }
    /// log2 QP.
    #[getter]
    fn log_qp(&self) -> f64 {
        self.ctx.log_qp()
    }
    /// Whether the parameters passed the 128-bit check.
    #[getter]
    fn secure(&self) -> bool {
        self.ctx.literal().security == Security::HeStandard128
    }
    /// The circuit's depth (``Context.auto`` only).
    #[getter]
    fn depth(&self) -> Option<usize> {
        self.depth
    }
    /// The parameters in a few lines.
    fn summary(&self) -> String {
        self.ctx.summary()
    }
    fn __repr__(&self) -> String {
        format!(
            "Context(N = 2^{}, L = {}, log QP = {:.0}{})",
            self.ctx.log_n(),
            self.ctx.max_level(),
            self.ctx.log_qp(),
            if self.secure() { "" } else { ", INSECURE toy parameters" }
        )
    }
}

fn analysis(log_n: u32, levels: usize, log_scale: u32) -> PyResult<ModulusChain> {
    ModulusChain::analysis(log_n, levels, log_scale).map_err(ckks_to_py)
}

/// The plaintext evaluator on an analysis chain (no parameters needed).
#[pyfunction]
#[pyo3(signature = (log_n=12, levels=20, log_scale=40))]
fn plaintext_evaluator(log_n: u32, levels: usize, log_scale: u32) -> PyResult<Evaluator> {
    Ok(Evaluator {
        backend: Backend::Plain(PlaintextEvaluator::new(analysis(log_n, levels, log_scale)?)),
    })
}

/// The depth finder on an analysis chain.
#[pyfunction]
#[pyo3(signature = (log_n=12, levels=20, log_scale=40))]
fn depth_finder(log_n: u32, levels: usize, log_scale: u32) -> PyResult<Evaluator> {
    Ok(Evaluator { backend: Backend::Depth(DepthFinder::new(analysis(log_n, levels, log_scale)?)) })
}

/// The op counter on an analysis chain.
#[pyfunction]
#[pyo3(signature = (log_n=12, levels=20, log_scale=40))]
fn op_counter(log_n: u32, levels: usize, log_scale: u32) -> PyResult<Evaluator> {
    Ok(Evaluator { backend: Backend::Count(OpCounter::new(analysis(log_n, levels, log_scale)?)) })
}

/// Registers the scheme's classes and functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Context>()?;
    m.add_class::<Evaluator>()?;
    m.add_class::<Value>()?;
    m.add_function(wrap_pyfunction!(plaintext_evaluator, m)?)?;
    m.add_function(wrap_pyfunction!(depth_finder, m)?)?;
    m.add_function(wrap_pyfunction!(op_counter, m)?)?;
    Ok(())
}
