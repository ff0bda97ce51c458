//! The debug evaluator: the encrypted and the plaintext run side by side, compared after every
//! operation, so the first gate where precision is lost is found without guessing.
//!
//! It decrypts, so it needs the secret key: a client-side tool for developing circuits.
//! A bootstrap is compared stage by stage (see [`Stage`](super::Stage)), each stage against
//! its definition applied to the decryption of its own input, its error converted to slot
//! units, so the first divergence names the stage that lost the precision.

mod stages;

use super::traits::{CkksEvaluator, Op};
use super::{HomomorphicEvaluator, KeyModel, PlaintextEvaluator, SlotVector};
use crate::error::Result;
use crate::scheme::{Ciphertext, Meta, ModulusChain, Plaintext, SecretKey};
use num_complex::Complex64;
use std::sync::{Arc, Mutex};

/// A ciphertext and the exact slots it should decrypt to.
#[derive(Clone, Debug)]
pub struct DebugValue {
    /// The encrypted value.
    pub ct: Ciphertext,
    /// The plaintext evaluator's value.
    pub expected: SlotVector,
}

/// A plaintext for both runs.
#[derive(Clone, Debug)]
pub struct DebugPlain {
    /// The encoded plaintext.
    pub pt: Plaintext,
    /// The plaintext evaluator's view of it.
    pub expected: SlotVector,
}

/// The comparison after one operation.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceEntry {
    /// Position in the run (0 for the first operation).
    pub index: usize,
    /// The operation.
    pub op: Op,
    /// The result's level.
    pub level: usize,
    /// `log2` of the result's scale.
    pub log_scale: f64,
    /// The largest `|decrypted - expected|` over all slots.
    pub max_error: f64,
    /// The slot where it occurs.
    pub slot: usize,
    /// The expected value there.
    pub expected: Complex64,
    /// The decrypted value there.
    pub actual: Complex64,
    /// The largest expected magnitude over all slots.
    pub max_expected: f64,
}

impl TraceEntry {
    /// Bits of precision: `-log2(max_error)`.
    pub fn precision_bits(&self) -> f64 {
        -self.max_error.log2()
    }
}

/// The first operation whose result differs from the plaintext run by more than the threshold.
pub type Divergence = TraceEntry;

impl std::fmt::Display for TraceEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "operation #{} ({:?}) at level {}, scale 2^{:.2}: slot {} expected {:.6e} got {:.6e} \
             (error {:.3e}, {:.1} bits of precision)",
            self.index,
            self.op,
            self.level,
            self.log_scale,
            self.slot,
            self.expected.re,
            self.actual.re,
            self.max_error,
            self.precision_bits()
        )
    }
}

/// Runs every operation encrypted and in plaintext, decrypts after each and records the error.
pub struct DebugEvaluator {
    he: HomomorphicEvaluator,
    plain: PlaintextEvaluator,
    sk: Arc<SecretKey>,
    threshold: f64,
    trace: Mutex<Vec<TraceEntry>>,
}

impl std::fmt::Debug for DebugEvaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DebugEvaluator({:?}, threshold {:e})", self.he, self.threshold)
    }
}

impl DebugEvaluator {
    /// Compares `he` with a plaintext run on the same chain and keys, flagging results whose
    /// error exceeds `threshold` (absolute, in slot units).
    ///
    /// # Errors
    /// [`crate::CkksError::ContextMismatch`] if `sk` belongs to other parameters.
    pub fn new(he: HomomorphicEvaluator, sk: Arc<SecretKey>, threshold: f64) -> Result<Self> {
        crate::scheme::ciphertext::check_hash(he.context(), sk.context().hash())?;
        let mut plain = PlaintextEvaluator::new(he.context().chain().clone()).with_keys(
            KeyModel::from_keys(he.evaluator().keys())
                .with_bootstrapping(he.bootstrapper().is_some()),
        );
        if let Some(b) = he.bootstrapper() {
            plain = plain.with_bootstrap(b.model())?;
        }
        Ok(Self { he, plain, sk, threshold, trace: Mutex::new(Vec::new()) })
    }

    /// Every comparison so far, in order.
    pub fn trace(&self) -> Vec<TraceEntry> {
        self.trace.lock().expect("trace lock").clone()
    }

    /// The first operation whose error exceeded the threshold.
    pub fn first_divergence(&self) -> Option<Divergence> {
        self.trace().into_iter().find(|t| t.max_error.is_nan() || t.max_error > self.threshold)
    }

    /// The decryption of a value.
    ///
    /// # Errors
    /// [`crate::CkksError::ContextMismatch`].
    pub fn decrypt(&self, v: &DebugValue) -> Result<Vec<Complex64>> {
        self.he.context().decode_complex(&self.sk.decrypt(&v.ct)?)
    }

    fn check(&self, op: Op, ct: Ciphertext, expected: SlotVector) -> Result<DebugValue> {
        let v = DebugValue { ct, expected };
        let actual = self.decrypt(&v)?;
        self.record(op, v.ct.meta(), v.expected.slots(), &actual, 1.0);
        Ok(v)
    }

    /// Records the comparison of `actual` with `expected`, the difference times `factor`
    /// (which converts a stage's own units into slot units).
    fn record(&self, op: Op, m: Meta, expected: &[Complex64], actual: &[Complex64], factor: f64) {
        let (mut slot, mut max_error) = (0, 0.0f64);
        for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
            let d = (a - e).norm() * factor;
            // The first NaN wins over any number.
            if d > max_error || (d.is_nan() && !max_error.is_nan()) {
                (slot, max_error) = (i, d);
            }
        }
        let max_expected = expected.iter().map(|z| z.norm()).fold(0.0, f64::max);
        let mut trace = self.trace.lock().expect("trace lock");
        let index = trace.len();
        trace.push(TraceEntry {
            index,
            op,
            level: m.level,
            log_scale: m.scale.log2(),
            max_error,
            slot,
            expected: expected[slot],
            actual: actual[slot],
            max_expected,
        });
    }

    fn unary(
        &self,
        op: Op,
        a: &DebugValue,
        f: impl FnOnce(&HomomorphicEvaluator, &Ciphertext) -> Result<Ciphertext>,
        g: impl FnOnce(&PlaintextEvaluator, &SlotVector) -> Result<SlotVector>,
    ) -> Result<DebugValue> {
        let expected = g(&self.plain, &a.expected)?;
        let ct = f(&self.he, &a.ct)?;
        self.check(op, ct, expected)
    }

    fn binary(
        &self,
        op: Op,
        a: &DebugValue,
        b: &DebugValue,
        f: impl FnOnce(&HomomorphicEvaluator, &Ciphertext, &Ciphertext) -> Result<Ciphertext>,
        g: impl FnOnce(&PlaintextEvaluator, &SlotVector, &SlotVector) -> Result<SlotVector>,
    ) -> Result<DebugValue> {
        let expected = g(&self.plain, &a.expected, &b.expected)?;
        let ct = f(&self.he, &a.ct, &b.ct)?;
        self.check(op, ct, expected)
    }

    fn with_plain(
        &self,
        op: Op,
        a: &DebugValue,
        p: &DebugPlain,
        f: impl FnOnce(&HomomorphicEvaluator, &Ciphertext, &Plaintext) -> Result<Ciphertext>,
        g: impl FnOnce(&PlaintextEvaluator, &SlotVector, &SlotVector) -> Result<SlotVector>,
    ) -> Result<DebugValue> {
        let expected = g(&self.plain, &a.expected, &p.expected)?;
        let ct = f(&self.he, &a.ct, &p.pt)?;
        self.check(op, ct, expected)
    }
}

impl CkksEvaluator for DebugEvaluator {
    type Value = DebugValue;
    type Plain = DebugPlain;

    fn chain(&self) -> &ModulusChain {
        self.he.chain()
    }
    fn meta(&self, v: &DebugValue) -> Meta {
        v.ct.meta()
    }
    fn plain_meta(&self, p: &DebugPlain) -> Meta {
        p.pt.meta()
    }
    fn encrypt_complex(&self, values: &[Complex64], level: usize) -> Result<DebugValue> {
        let expected = self.plain.encrypt_complex(values, level)?;
        let ct = self.he.encrypt_complex(values, level)?;
        self.check(Op::Encrypt, ct, expected)
    }
    fn encode_complex(&self, values: &[Complex64], level: usize, scale: f64) -> Result<DebugPlain> {
        let expected = self.plain.encode_complex(values, level, scale)?;
        let pt = self.he.encode_complex(values, level, scale)?;
        Ok(DebugPlain { pt, expected })
    }
    fn add(&self, a: &DebugValue, b: &DebugValue) -> Result<DebugValue> {
        self.binary(Op::Add, a, b, |e, x, y| e.add(x, y), |e, x, y| e.add(x, y))
    }
    fn sub(&self, a: &DebugValue, b: &DebugValue) -> Result<DebugValue> {
        self.binary(Op::Sub, a, b, |e, x, y| e.sub(x, y), |e, x, y| e.sub(x, y))
    }
    fn neg(&self, a: &DebugValue) -> Result<DebugValue> {
        self.unary(Op::Neg, a, |e, x| e.neg(x), |e, x| e.neg(x))
    }
    fn add_plain(&self, a: &DebugValue, p: &DebugPlain) -> Result<DebugValue> {
        self.with_plain(
            Op::AddPlain,
            a,
            p,
            |e, x, y| e.add_plain(x, y),
            |e, x, y| e.add_plain(x, y),
        )
    }
    fn sub_plain(&self, a: &DebugValue, p: &DebugPlain) -> Result<DebugValue> {
        self.with_plain(
            Op::SubPlain,
            a,
            p,
            |e, x, y| e.sub_plain(x, y),
            |e, x, y| e.sub_plain(x, y),
        )
    }
    fn mul_plain(&self, a: &DebugValue, p: &DebugPlain) -> Result<DebugValue> {
        self.with_plain(
            Op::MulPlain,
            a,
            p,
            |e, x, y| e.mul_plain(x, y),
            |e, x, y| e.mul_plain(x, y),
        )
    }
    fn add_const(&self, a: &DebugValue, c: f64) -> Result<DebugValue> {
        self.unary(Op::AddConst, a, |e, x| e.add_const(x, c), |e, x| e.add_const(x, c))
    }
    fn mul_const(&self, a: &DebugValue, c: f64) -> Result<DebugValue> {
        self.unary(Op::MulConst, a, |e, x| e.mul_const(x, c), |e, x| e.mul_const(x, c))
    }
    fn mul_const_at_scale(&self, a: &DebugValue, c: f64, scale: f64) -> Result<DebugValue> {
        self.unary(
            Op::MulConst,
            a,
            |e, x| e.mul_const_at_scale(x, c, scale),
            |e, x| e.mul_const_at_scale(x, c, scale),
        )
    }
    fn mul_integer(&self, a: &DebugValue, k: i64) -> Result<DebugValue> {
        self.unary(Op::MulInteger, a, |e, x| e.mul_integer(x, k), |e, x| e.mul_integer(x, k))
    }
    fn mul(&self, a: &DebugValue, b: &DebugValue) -> Result<DebugValue> {
        self.binary(Op::Mul, a, b, |e, x, y| e.mul(x, y), |e, x, y| e.mul(x, y))
    }
    fn square(&self, a: &DebugValue) -> Result<DebugValue> {
        self.unary(Op::Square, a, |e, x| e.square(x), |e, x| e.square(x))
    }
    fn relinearize(&self, a: &DebugValue) -> Result<DebugValue> {
        self.unary(Op::Relinearize, a, |e, x| e.relinearize(x), |e, x| e.relinearize(x))
    }
    fn rescale(&self, a: &DebugValue) -> Result<DebugValue> {
        self.unary(Op::Rescale, a, |e, x| e.rescale(x), |e, x| e.rescale(x))
    }
    fn drop_level(&self, a: &DebugValue, level: usize) -> Result<DebugValue> {
        self.unary(Op::DropLevel, a, |e, x| e.drop_level(x, level), |e, x| e.drop_level(x, level))
    }
    fn align_to_level(&self, a: &DebugValue, level: usize) -> Result<DebugValue> {
        self.unary(
            Op::AlignToLevel,
            a,
            |e, x| e.align_to_level(x, level),
            |e, x| e.align_to_level(x, level),
        )
    }
    fn rotate(&self, a: &DebugValue, step: i64) -> Result<DebugValue> {
        let op = Op::Rotate { step: self.chain().normalise_step(step), hoisted: false };
        self.unary(op, a, |e, x| e.rotate(x, step), |e, x| e.rotate(x, step))
    }
    fn conjugate(&self, a: &DebugValue) -> Result<DebugValue> {
        self.unary(Op::Conjugate, a, |e, x| e.conjugate(x), |e, x| e.conjugate(x))
    }
    fn mul_i(&self, a: &DebugValue) -> Result<DebugValue> {
        self.unary(Op::MulI, a, |e, x| e.mul_i(x), |e, x| e.mul_i(x))
    }
    fn bootstrap(&self, a: &DebugValue) -> Result<DebugValue> {
        self.bootstrap_stages(a)
    }
    fn bootstrap_plan(&self) -> Option<&dyn super::BootstrapModel> {
        self.he.bootstrap_plan()
    }
    fn rotate_hoisted(&self, a: &DebugValue, steps: &[i64]) -> Result<Vec<DebugValue>> {
        let expected = self.plain.rotate_hoisted(&a.expected, steps)?;
        let cts = self.he.rotate_hoisted(&a.ct, steps)?;
        cts.into_iter()
            .zip(expected)
            .zip(steps)
            .map(|((ct, exp), &s)| {
                let op = Op::Rotate { step: self.chain().normalise_step(s), hoisted: true };
                self.check(op, ct, exp)
            })
            .collect()
    }
}
