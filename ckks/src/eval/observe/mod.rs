//! Observing evaluators: [`Observed`] runs any evaluator and reports every operation to an
//! [`Observer`]. The depth finder, the op counter, the rotation collector and the scale
//! estimator are observers; a tuple of observers watches one run for all of them at once.

use super::refresh::{BootstrapModel, BootstrapProfile};
use super::traits::{CkksEvaluator, Op};
use crate::error::Result;
use crate::scheme::{Meta, ModulusChain};
use num_complex::Complex64;

mod counts;
mod depth;
mod rotations;

pub use counts::{Counter, OpCounter, OpCounts};
pub use depth::{Depth, DepthFinder};
pub use rotations::{RotationCollector, RotationSet, Rotations};

/// One completed operation.
#[derive(Clone, Copy, Debug)]
pub struct Event<'a> {
    /// What was done.
    pub op: Op,
    /// The operands' metadata (plaintext operands included), in argument order.
    pub operands: &'a [Meta],
    /// The result's metadata.
    pub result: Meta,
    /// For [`Op::Bootstrap`], the work of one bootstrap (its operations are not reported one
    /// by one).
    pub bootstrap: Option<&'a BootstrapProfile>,
}

/// Something that watches the operations of an evaluator `E`.
pub trait Observer<E: CkksEvaluator>: Sync {
    /// Called after every successful operation; `value` is the result unless it is a plaintext.
    fn observe(&self, event: &Event<'_>, value: Option<&E::Value>);
}

impl<E: CkksEvaluator, A: Observer<E>, B: Observer<E>> Observer<E> for (A, B) {
    fn observe(&self, event: &Event<'_>, value: Option<&E::Value>) {
        self.0.observe(event, value);
        self.1.observe(event, value);
    }
}

impl<E: CkksEvaluator, A: Observer<E>, B: Observer<E>, C: Observer<E>> Observer<E> for (A, B, C) {
    fn observe(&self, event: &Event<'_>, value: Option<&E::Value>) {
        self.0.observe(event, value);
        self.1.observe(event, value);
        self.2.observe(event, value);
    }
}

/// An evaluator `E` whose operations are reported to the observer `O`. Values and errors are
/// exactly `E`'s.
#[derive(Debug)]
pub struct Observed<E, O> {
    inner: E,
    observer: O,
}

impl<E: CkksEvaluator, O: Observer<E>> Observed<E, O> {
    /// Wraps `inner`.
    pub fn with_observer(inner: E, observer: O) -> Self {
        Self { inner, observer }
    }

    /// The wrapped evaluator.
    pub fn inner(&self) -> &E {
        &self.inner
    }

    /// The observer.
    pub fn observer(&self) -> &O {
        &self.observer
    }

    /// Back to the parts.
    pub fn into_parts(self) -> (E, O) {
        (self.inner, self.observer)
    }

    fn emit(&self, op: Op, operands: &[Meta], value: &E::Value) {
        let bootstrap = match op {
            Op::Bootstrap => self.inner.bootstrap_plan().map(|p| p.profile()),
            _ => None,
        };
        let event = Event { op, operands, result: self.inner.meta(value), bootstrap };
        self.observer.observe(&event, Some(value));
    }

    fn unary(
        &self,
        op: Op,
        a: &E::Value,
        f: impl FnOnce(&E, &E::Value) -> Result<E::Value>,
    ) -> Result<E::Value> {
        let r = f(&self.inner, a)?;
        self.emit(op, &[self.inner.meta(a)], &r);
        Ok(r)
    }

    fn binary(
        &self,
        op: Op,
        a: &E::Value,
        b: &E::Value,
        f: impl FnOnce(&E, &E::Value, &E::Value) -> Result<E::Value>,
    ) -> Result<E::Value> {
        let r = f(&self.inner, a, b)?;
        self.emit(op, &[self.inner.meta(a), self.inner.meta(b)], &r);
        Ok(r)
    }

    fn with_plain(
        &self,
        op: Op,
        a: &E::Value,
        p: &E::Plain,
        f: impl FnOnce(&E, &E::Value, &E::Plain) -> Result<E::Value>,
    ) -> Result<E::Value> {
        let r = f(&self.inner, a, p)?;
        self.emit(op, &[self.inner.meta(a), self.inner.plain_meta(p)], &r);
        Ok(r)
    }
}

impl<E: CkksEvaluator, O: Observer<E>> CkksEvaluator for Observed<E, O> {
    type Value = E::Value;
    type Plain = E::Plain;

    fn chain(&self) -> &ModulusChain {
        self.inner.chain()
    }
    fn meta(&self, v: &E::Value) -> Meta {
        self.inner.meta(v)
    }
    fn plain_meta(&self, p: &E::Plain) -> Meta {
        self.inner.plain_meta(p)
    }
    fn encrypt_complex(&self, values: &[Complex64], level: usize) -> Result<E::Value> {
        let r = self.inner.encrypt_complex(values, level)?;
        self.emit(Op::Encrypt, &[], &r);
        Ok(r)
    }
    fn encode_complex(&self, values: &[Complex64], level: usize, scale: f64) -> Result<E::Plain> {
        let r = self.inner.encode_complex(values, level, scale)?;
        let event = Event {
            op: Op::Encode,
            operands: &[],
            result: self.inner.plain_meta(&r),
            bootstrap: None,
        };
        self.observer.observe(&event, None);
        Ok(r)
    }
    fn add(&self, a: &E::Value, b: &E::Value) -> Result<E::Value> {
        self.binary(Op::Add, a, b, E::add)
    }
    fn sub(&self, a: &E::Value, b: &E::Value) -> Result<E::Value> {
        self.binary(Op::Sub, a, b, E::sub)
    }
    fn neg(&self, a: &E::Value) -> Result<E::Value> {
        self.unary(Op::Neg, a, E::neg)
    }
    fn add_plain(&self, a: &E::Value, p: &E::Plain) -> Result<E::Value> {
        self.with_plain(Op::AddPlain, a, p, E::add_plain)
    }
    fn sub_plain(&self, a: &E::Value, p: &E::Plain) -> Result<E::Value> {
        self.with_plain(Op::SubPlain, a, p, E::sub_plain)
    }
    fn mul_plain(&self, a: &E::Value, p: &E::Plain) -> Result<E::Value> {
        self.with_plain(Op::MulPlain, a, p, E::mul_plain)
    }
    fn add_const(&self, a: &E::Value, c: f64) -> Result<E::Value> {
        self.unary(Op::AddConst, a, |e, a| e.add_const(a, c))
    }
    fn mul_const(&self, a: &E::Value, c: f64) -> Result<E::Value> {
        self.unary(Op::MulConst, a, |e, a| e.mul_const(a, c))
    }
    fn mul_const_at_scale(&self, a: &E::Value, c: f64, scale: f64) -> Result<E::Value> {
        self.unary(Op::MulConst, a, |e, a| e.mul_const_at_scale(a, c, scale))
    }
    fn mul_integer(&self, a: &E::Value, k: i64) -> Result<E::Value> {
        self.unary(Op::MulInteger, a, |e, a| e.mul_integer(a, k))
    }
    fn mul(&self, a: &E::Value, b: &E::Value) -> Result<E::Value> {
        self.binary(Op::Mul, a, b, E::mul)
    }
    fn square(&self, a: &E::Value) -> Result<E::Value> {
        self.unary(Op::Square, a, E::square)
    }
    fn relinearize(&self, a: &E::Value) -> Result<E::Value> {
        let r = self.inner.relinearize(a)?;
        // A two-component value is returned as is: no key switch to report.
        if self.inner.meta(a).size > 2 {
            self.emit(Op::Relinearize, &[self.inner.meta(a)], &r);
        }
        Ok(r)
    }
    fn rescale(&self, a: &E::Value) -> Result<E::Value> {
        self.unary(Op::Rescale, a, E::rescale)
    }
    fn drop_level(&self, a: &E::Value, level: usize) -> Result<E::Value> {
        self.unary(Op::DropLevel, a, |e, a| e.drop_level(a, level))
    }
    fn align_to_level(&self, a: &E::Value, level: usize) -> Result<E::Value> {
        self.unary(Op::AlignToLevel, a, |e, a| e.align_to_level(a, level))
    }
    fn rotate(&self, a: &E::Value, step: i64) -> Result<E::Value> {
        let r = self.inner.rotate(a, step)?;
        let step = self.chain().normalise_step(step);
        if step != 0 {
            self.emit(Op::Rotate { step, hoisted: false }, &[self.inner.meta(a)], &r);
        }
        Ok(r)
    }
    fn conjugate(&self, a: &E::Value) -> Result<E::Value> {
        self.unary(Op::Conjugate, a, E::conjugate)
    }
    fn mul_i(&self, a: &E::Value) -> Result<E::Value> {
        self.unary(Op::MulI, a, E::mul_i)
    }
    fn bootstrap(&self, a: &E::Value) -> Result<E::Value> {
        self.unary(Op::Bootstrap, a, E::bootstrap)
    }
    fn bootstrap_plan(&self) -> Option<&dyn BootstrapModel> {
        self.inner.bootstrap_plan()
    }
    fn rotate_hoisted(&self, a: &E::Value, steps: &[i64]) -> Result<Vec<E::Value>> {
        let rs = self.inner.rotate_hoisted(a, steps)?;
        let m = [self.inner.meta(a)];
        for (&s, r) in steps.iter().zip(&rs) {
            let step = self.chain().normalise_step(s);
            if step != 0 {
                self.emit(Op::Rotate { step, hoisted: true }, &m, r);
            }
        }
        Ok(rs)
    }
}
