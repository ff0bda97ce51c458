//! The operations of the evaluator interface as data ([`Op`], applied by [`apply`]), the
//! values of every interpretation ([`Val`], wrapped per evaluator by [`Wrap`]), the Python
//! [`Value`], and the replay of a trace as a Rust circuit ([`Trace`]).

use ckks::eval::{
    Circuit, CkksEvaluator, DepthFinder, HomomorphicEvaluator, OpCounter, PlaintextEvaluator,
    SlotVector,
};
use ckks::{Ciphertext, Meta};
use pyo3::prelude::*;

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
    pub(super) fn map<W>(self, mut f: impl FnMut(V) -> Option<W>) -> Option<Op<W>> {
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
pub(super) enum Val {
    Ct(Ciphertext),
    Slots(SlotVector),
    Sym(Meta),
    /// A value recorded by the tracer `.0`, the `.1`-th operation of its trace.
    Traced(u64, usize),
}

/// Values in and out of [`Val`], per evaluator.
pub(super) trait Wrap: CkksEvaluator {
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
    pub(super) v: Val,
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

/// A traced Python circuit as a Rust circuit: the recorded operations replayed on any
/// evaluator.
pub(super) struct Trace {
    pub(super) ops: Vec<Op<usize>>,
    pub(super) output: usize,
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
