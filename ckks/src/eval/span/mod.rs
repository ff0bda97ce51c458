//! Work and span: [`Span`] runs any evaluator with values that carry the time they become
//! ready, so one run of a circuit gives its total cost (the work `W`) and its critical path (the
//! span `S`) under a [`CostModel`], and from them Brent's bounds on the time with `P` cores,
//! `max(W/P, S) <= T_P <= (W - S)/P + S` ([`brent`]).
//!
//! The observers of [`Observed`](super::Observed) see operations but not which values an
//! operation consumed; a critical path needs exactly that, so here every value is a
//! [`Timed`] pair of the inner evaluator's value and its ready time: an operation's result is
//! ready at `max(operands' ready times) + cost`, and the work adds `cost`. Inputs (encryptions,
//! the client's) are ready at their own cost, plaintexts the circuit encodes at theirs. Costs
//! are integer ticks ([`KeySwitches`]: one per key switch; [`OpTimes`]: nanoseconds), added with
//! atomics, so the totals are exact and independent of the order in which rayon's threads run
//! the operations.
//!
//! A hoisted batch of rotations ([`CkksEvaluator::rotate_hoisted`]) is one shared node (the
//! decomposition of the input, [`CostModel::hoisting`]) followed by one node per rotation (its
//! inner product, mod-down and permutation): that is how the scheme runs it (the rotations of a
//! batch run in parallel after one decomposition), and it keeps the key-switch count equal to
//! the op counter's, which counts every hoisted rotation as one key switch.
//!
//! A bootstrap is one node whose cost is the model's for [`Op::Bootstrap`] (its inner
//! parallelism is not modelled: its span is counted as its whole cost).
//!
//! ```
//! use ckks::eval::{CkksEvaluator, KeySwitches, Span, SymbolicEvaluator};
//! use ckks::ModulusChain;
//!
//! let chain = ModulusChain::analysis(4, 10, 40)?;
//! let e = Span::new(SymbolicEvaluator::new(chain), KeySwitches);
//! let x = e.encrypt(&[0.5], e.max_level())?;
//! // Two squarings in a chain, and a rotation beside them.
//! let x2 = e.rescale(&e.square_relin(&x)?)?;
//! let x4 = e.rescale(&e.square_relin(&x2)?)?;
//! let _r = e.rotate(&x, 1)?;
//! assert_eq!(e.totals().work, 3); // three key switches
//! assert_eq!(e.totals().span, 2); // the two relinearizations in a row
//! assert_eq!(x4.ready, 2);
//! # Ok::<(), ckks::CkksError>(())
//! ```

mod times;

pub use times::{OpTimes, TimedOp};

use super::observe::Event;
use super::refresh::BootstrapModel;
use super::traits::{CkksEvaluator, Op};
use crate::error::Result;
use crate::scheme::{Meta, ModulusChain};
use num_complex::Complex64;
use std::sync::atomic::{AtomicU64, Ordering};

/// The cost of each operation, in integer ticks of the model's unit.
pub trait CostModel: Sync {
    /// The cost of one completed operation (for a hoisted rotation, its own part: see
    /// [`CostModel::hoisting`]).
    fn cost(&self, event: &Event<'_>) -> u64;

    /// The part of a hoisted batch of `rotations` rotations of `input` that they share (the
    /// decomposition), paid once before them.
    fn hoisting(&self, _input: &Meta, _rotations: usize) -> u64 {
        0
    }
}

/// Cost in key switches: one per relinearization, rotation (hoisted or not) and conjugation, and
/// a bootstrap's as its profile counts them, exactly as [`OpCounts::key_switches`](super::OpCounts::key_switches)
/// counts them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeySwitches;

impl CostModel for KeySwitches {
    fn cost(&self, event: &Event<'_>) -> u64 {
        match (event.op, event.bootstrap) {
            (Op::Bootstrap, Some(profile)) => profile.counts.key_switches() as u64,
            (op, _) => u64::from(op.is_key_switch()),
        }
    }
}

/// A value of the inner evaluator and the time (in the model's ticks) at which it is ready.
#[derive(Clone, Debug)]
pub struct Timed<V> {
    /// The inner evaluator's value.
    pub value: V,
    /// When it is ready: the longest path of costs from the start to it, itself included.
    pub ready: u64,
}

/// The totals of a run: work and span, in the model's ticks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SpanTotals {
    /// The sum of every operation's cost: the time on one core.
    pub work: u64,
    /// The longest chain of dependent costs: the time on unboundedly many cores.
    pub span: u64,
}

impl SpanTotals {
    /// The average parallelism `W / S` (infinite for an empty run).
    pub fn parallelism(&self) -> f64 {
        self.work as f64 / self.span as f64
    }

    /// Brent's bounds on the time with `p` cores, in ticks: see [`brent`].
    ///
    /// # Panics
    /// If `p` is 0.
    pub fn bounds(&self, p: usize) -> (f64, f64) {
        brent(self.work as f64, self.span as f64, p)
    }
}

/// Brent's bounds on the time of work `w` and span `s` with `p` cores: any schedule needs at
/// least `max(w/p, s)`, and a greedy one (no core idle while an operation is ready) at most
/// `(w - s)/p + s` (Graham's form of `w/p + s`: exactly `w` on one core).
///
/// # Panics
/// If `p` is 0.
pub fn brent(w: f64, s: f64, p: usize) -> (f64, f64) {
    assert!(p > 0, "at least one core");
    let p = p as f64;
    ((w / p).max(s), (w - s) / p + s)
}

/// An evaluator `E` whose values carry their ready time under the cost model `C`; see the
/// module's documentation. Values and errors are `E`'s, wrapped in [`Timed`].
#[derive(Debug)]
pub struct Span<E, C> {
    inner: E,
    model: C,
    work: AtomicU64,
    span: AtomicU64,
}

impl<E: CkksEvaluator, C: CostModel> Span<E, C> {
    /// Wraps `inner`, costing its operations with `model`.
    pub fn new(inner: E, model: C) -> Self {
        Self { inner, model, work: AtomicU64::new(0), span: AtomicU64::new(0) }
    }

    /// The wrapped evaluator.
    pub fn inner(&self) -> &E {
        &self.inner
    }

    /// The cost model.
    pub fn model(&self) -> &C {
        &self.model
    }

    /// Work and span so far (the span is the latest ready time of any value).
    pub fn totals(&self) -> SpanTotals {
        SpanTotals {
            work: self.work.load(Ordering::Relaxed),
            span: self.span.load(Ordering::Relaxed),
        }
    }

    /// Records `cost` of work and a value ready at `ready`.
    fn account(&self, cost: u64, ready: u64) {
        self.work.fetch_add(cost, Ordering::Relaxed);
        self.span.fetch_max(ready, Ordering::Relaxed);
    }

    fn event_cost(&self, op: Op, operands: &[Meta], result: Meta) -> u64 {
        let bootstrap = match op {
            Op::Bootstrap => self.inner.bootstrap_plan().map(|p| p.profile()),
            _ => None,
        };
        self.model.cost(&Event { op, operands, result, bootstrap })
    }

    /// Wraps `value`, the result of `op` on operands ready at `start`.
    fn finish(&self, op: Op, operands: &[Meta], start: u64, value: E::Value) -> Timed<E::Value> {
        let cost = self.event_cost(op, operands, self.inner.meta(&value));
        let ready = start + cost;
        self.account(cost, ready);
        Timed { value, ready }
    }

    fn unary(
        &self,
        op: Op,
        a: &Timed<E::Value>,
        f: impl FnOnce(&E, &E::Value) -> Result<E::Value>,
    ) -> Result<Timed<E::Value>> {
        let r = f(&self.inner, &a.value)?;
        Ok(self.finish(op, &[self.inner.meta(&a.value)], a.ready, r))
    }

    fn binary(
        &self,
        op: Op,
        a: &Timed<E::Value>,
        b: &Timed<E::Value>,
        f: impl FnOnce(&E, &E::Value, &E::Value) -> Result<E::Value>,
    ) -> Result<Timed<E::Value>> {
        let r = f(&self.inner, &a.value, &b.value)?;
        let operands = [self.inner.meta(&a.value), self.inner.meta(&b.value)];
        Ok(self.finish(op, &operands, a.ready.max(b.ready), r))
    }

    fn with_plain(
        &self,
        op: Op,
        a: &Timed<E::Value>,
        p: &Timed<E::Plain>,
        f: impl FnOnce(&E, &E::Value, &E::Plain) -> Result<E::Value>,
    ) -> Result<Timed<E::Value>> {
        let r = f(&self.inner, &a.value, &p.value)?;
        let operands = [self.inner.meta(&a.value), self.inner.plain_meta(&p.value)];
        Ok(self.finish(op, &operands, a.ready.max(p.ready), r))
    }
}

impl<E: CkksEvaluator, C: CostModel> CkksEvaluator for Span<E, C> {
    type Value = Timed<E::Value>;
    type Plain = Timed<E::Plain>;

    fn chain(&self) -> &ModulusChain {
        self.inner.chain()
    }
    fn meta(&self, v: &Self::Value) -> Meta {
        self.inner.meta(&v.value)
    }
    fn plain_meta(&self, p: &Self::Plain) -> Meta {
        self.inner.plain_meta(&p.value)
    }
    fn encrypt_complex(&self, values: &[Complex64], level: usize) -> Result<Self::Value> {
        let r = self.inner.encrypt_complex(values, level)?;
        Ok(self.finish(Op::Encrypt, &[], 0, r))
    }
    fn encode_complex(
        &self,
        values: &[Complex64],
        level: usize,
        scale: f64,
    ) -> Result<Self::Plain> {
        let value = self.inner.encode_complex(values, level, scale)?;
        let cost = self.event_cost(Op::Encode, &[], self.inner.plain_meta(&value));
        self.account(cost, cost);
        Ok(Timed { value, ready: cost })
    }
    fn add(&self, a: &Self::Value, b: &Self::Value) -> Result<Self::Value> {
        self.binary(Op::Add, a, b, E::add)
    }
    fn sub(&self, a: &Self::Value, b: &Self::Value) -> Result<Self::Value> {
        self.binary(Op::Sub, a, b, E::sub)
    }
    fn neg(&self, a: &Self::Value) -> Result<Self::Value> {
        self.unary(Op::Neg, a, E::neg)
    }
    fn add_plain(&self, a: &Self::Value, p: &Self::Plain) -> Result<Self::Value> {
        self.with_plain(Op::AddPlain, a, p, E::add_plain)
    }
    fn sub_plain(&self, a: &Self::Value, p: &Self::Plain) -> Result<Self::Value> {
        self.with_plain(Op::SubPlain, a, p, E::sub_plain)
    }
    fn mul_plain(&self, a: &Self::Value, p: &Self::Plain) -> Result<Self::Value> {
        self.with_plain(Op::MulPlain, a, p, E::mul_plain)
    }
    fn add_const(&self, a: &Self::Value, c: f64) -> Result<Self::Value> {
        self.unary(Op::AddConst, a, |e, a| e.add_const(a, c))
    }
    fn mul_const(&self, a: &Self::Value, c: f64) -> Result<Self::Value> {
        self.unary(Op::MulConst, a, |e, a| e.mul_const(a, c))
    }
    fn mul_const_at_scale(&self, a: &Self::Value, c: f64, scale: f64) -> Result<Self::Value> {
        self.unary(Op::MulConst, a, |e, a| e.mul_const_at_scale(a, c, scale))
    }
    fn mul_integer(&self, a: &Self::Value, k: i64) -> Result<Self::Value> {
        self.unary(Op::MulInteger, a, |e, a| e.mul_integer(a, k))
    }
    fn mul(&self, a: &Self::Value, b: &Self::Value) -> Result<Self::Value> {
        self.binary(Op::Mul, a, b, E::mul)
    }
    fn square(&self, a: &Self::Value) -> Result<Self::Value> {
        self.unary(Op::Square, a, E::square)
    }
    fn relinearize(&self, a: &Self::Value) -> Result<Self::Value> {
        if self.inner.meta(&a.value).size <= 2 {
            // Returned as is: no key switch (as the op counter sees it).
            return Ok(Timed { value: self.inner.relinearize(&a.value)?, ready: a.ready });
        }
        self.unary(Op::Relinearize, a, E::relinearize)
    }
    fn rescale(&self, a: &Self::Value) -> Result<Self::Value> {
        self.unary(Op::Rescale, a, E::rescale)
    }
    fn drop_level(&self, a: &Self::Value, level: usize) -> Result<Self::Value> {
        self.unary(Op::DropLevel, a, |e, a| e.drop_level(a, level))
    }
    fn align_to_level(&self, a: &Self::Value, level: usize) -> Result<Self::Value> {
        self.unary(Op::AlignToLevel, a, |e, a| e.align_to_level(a, level))
    }
    fn rotate(&self, a: &Self::Value, step: i64) -> Result<Self::Value> {
        let normalised = self.chain().normalise_step(step);
        if normalised == 0 {
            return Ok(Timed { value: self.inner.rotate(&a.value, step)?, ready: a.ready });
        }
        self.unary(Op::Rotate { step: normalised, hoisted: false }, a, |e, a| e.rotate(a, step))
    }
    fn conjugate(&self, a: &Self::Value) -> Result<Self::Value> {
        self.unary(Op::Conjugate, a, E::conjugate)
    }
    fn mul_i(&self, a: &Self::Value) -> Result<Self::Value> {
        self.unary(Op::MulI, a, E::mul_i)
    }
    fn bootstrap(&self, a: &Self::Value) -> Result<Self::Value> {
        self.unary(Op::Bootstrap, a, E::bootstrap)
    }
    fn bootstrap_plan(&self) -> Option<&dyn BootstrapModel> {
        self.inner.bootstrap_plan()
    }
    fn rotate_hoisted(&self, a: &Self::Value, steps: &[i64]) -> Result<Vec<Self::Value>> {
        let rs = self.inner.rotate_hoisted(&a.value, steps)?;
        let input = [self.inner.meta(&a.value)];
        let steps: Vec<usize> = steps.iter().map(|&s| self.chain().normalise_step(s)).collect();
        let rotations = steps.iter().filter(|&&s| s != 0).count();
        let shared = if rotations > 0 { self.model.hoisting(&input[0], rotations) } else { 0 };
        self.account(shared, a.ready + shared);
        let start = a.ready + shared;
        Ok(steps
            .into_iter()
            .zip(rs)
            .map(|(step, r)| match step {
                0 => Timed { value: r, ready: a.ready },
                _ => self.finish(Op::Rotate { step, hoisted: true }, &input, start, r),
            })
            .collect())
    }
}
