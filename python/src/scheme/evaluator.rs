//! The one Python evaluator class over five interpretations.

use super::ops::{apply, Op, Val, Value, Wrap};
use crate::errors::{ckks_to_py, raise};
use crate::estimator::counts_dict;
use ckks::eval::{CkksEvaluator, DepthFinder, HomomorphicEvaluator, OpCounter, PlaintextEvaluator};
use ckks::{Meta, SecretKey};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::sync::{Arc, Mutex};

/// The interpretations.
pub(super) enum Backend {
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
pub(super) static TRACERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// One evaluator interface, five interpretations: write a circuit ``f(ev, ...)`` once
/// against these methods and run it with ``ctx.encrypted()``, ``ctx.plaintext()``,
/// ``ctx.depth_finder()`` or ``ctx.op_counter()`` (or the standalone ones of
/// ``lowdepth.scheme``); ``Context.auto`` traces it to choose parameters. The preconditions
/// (equal levels and scales, a level left to rescale, keys for rotations) are the same under
/// every interpretation, and a violation raises ``CkksError``.
#[pyclass(frozen, module = "lowdepth._native")]
pub struct Evaluator {
    pub(super) backend: Backend,
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
