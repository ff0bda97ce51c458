//! The plaintext evaluator: exact complex slot vectors, no encoding, no noise, with the scheme's
//! level and scale bookkeeping alongside. Its results are what an encrypted run approximates.

use super::refresh::BootstrapModel;
use super::traits::CkksEvaluator;
use super::KeyModel;
use crate::error::{CkksError, Result};
use crate::scheme::encoding::check_encodable;
use crate::scheme::{rules, Meta, ModulusChain};
use num_complex::Complex64;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A vector of `N/2` complex slots with the metadata an encrypted value would have.
#[derive(Clone, Debug, PartialEq)]
pub struct SlotVector {
    meta: Meta,
    slots: Vec<Complex64>,
    max_abs: f64,
}

impl SlotVector {
    fn new(meta: Meta, slots: Vec<Complex64>) -> Self {
        let max_abs = slots.iter().map(|z| z.norm()).fold(0.0, f64::max);
        Self { meta, slots, max_abs }
    }

    /// Level, scale and size.
    pub fn meta(&self) -> Meta {
        self.meta
    }

    /// The slots.
    pub fn slots(&self) -> &[Complex64] {
        &self.slots
    }

    /// The real parts of the slots.
    pub fn real(&self) -> Vec<f64> {
        self.slots.iter().map(|z| z.re).collect()
    }

    /// The largest slot magnitude `max_j |z_j|` (an upper bound on every coefficient of the
    /// encoded polynomial divided by its scale).
    pub fn max_abs(&self) -> f64 {
        self.max_abs
    }
}

/// Evaluates circuits on exact slot vectors. Records the largest magnitude any value reaches.
#[derive(Debug)]
pub struct PlaintextEvaluator {
    chain: ModulusChain,
    keys: KeyModel,
    bootstrap: Option<Arc<dyn BootstrapModel>>,
    /// Bits of the largest magnitude so far (non-negative `f64`s order like their bits).
    max_abs: AtomicU64,
}

impl Clone for PlaintextEvaluator {
    fn clone(&self) -> Self {
        Self {
            chain: self.chain.clone(),
            keys: self.keys.clone(),
            bootstrap: self.bootstrap.clone(),
            max_abs: AtomicU64::new(self.max_abs.load(Ordering::Relaxed)),
        }
    }
}

impl PlaintextEvaluator {
    /// A plaintext evaluator for `chain` holding every key.
    pub fn new(chain: ModulusChain) -> Self {
        Self { chain, keys: KeyModel::all(), bootstrap: None, max_abs: AtomicU64::new(0) }
    }

    /// The same evaluator with only the keys of `keys`.
    pub fn with_keys(mut self, keys: KeyModel) -> Self {
        self.keys = keys;
        self
    }

    /// The same evaluator, bootstrapping with `plan` (exactly: the identity on the slots the
    /// plan covers, with its range check).
    ///
    /// # Errors
    /// [`CkksError::InvalidParameters`] for a plan of another chain.
    pub fn with_bootstrap(mut self, plan: Arc<dyn BootstrapModel>) -> Result<Self> {
        plan.check_chain(&self.chain)?;
        self.bootstrap = Some(plan);
        Ok(self)
    }

    /// The largest slot magnitude any value (input or intermediate) has reached.
    pub fn max_magnitude(&self) -> f64 {
        f64::from_bits(self.max_abs.load(Ordering::Relaxed))
    }

    fn make(&self, meta: Meta, slots: Vec<Complex64>) -> SlotVector {
        let v = SlotVector::new(meta, slots);
        let bits = if v.max_abs.is_nan() { f64::INFINITY } else { v.max_abs }.to_bits();
        self.max_abs.fetch_max(bits, Ordering::Relaxed);
        v
    }

    fn padded(&self, values: &[Complex64]) -> Vec<Complex64> {
        let mut v = values.to_vec();
        v.resize(self.chain.slots(), Complex64::new(0.0, 0.0));
        v
    }

    fn zip(
        &self,
        meta: Meta,
        a: &SlotVector,
        b: &SlotVector,
        f: impl Fn(Complex64, Complex64) -> Complex64,
    ) -> SlotVector {
        self.make(meta, a.slots.iter().zip(&b.slots).map(|(&x, &y)| f(x, y)).collect())
    }

    fn map(&self, meta: Meta, a: &SlotVector, f: impl Fn(Complex64) -> Complex64) -> SlotVector {
        self.make(meta, a.slots.iter().map(|&x| f(x)).collect())
    }
}

impl CkksEvaluator for PlaintextEvaluator {
    type Value = SlotVector;
    type Plain = SlotVector;

    fn chain(&self) -> &ModulusChain {
        &self.chain
    }

    fn meta(&self, v: &SlotVector) -> Meta {
        v.meta
    }

    fn plain_meta(&self, p: &SlotVector) -> Meta {
        p.meta
    }

    fn encrypt_complex(&self, values: &[Complex64], level: usize) -> Result<SlotVector> {
        rules::check_encoding(&self.chain, values.len(), level)?;
        let scale = self.chain.scale(level);
        check_encodable(&self.chain, values, level, scale)?;
        Ok(self.make(Meta::fresh(level, scale), self.padded(values)))
    }

    fn encode_complex(&self, values: &[Complex64], level: usize, scale: f64) -> Result<SlotVector> {
        check_encodable(&self.chain, values, level, scale)?;
        Ok(SlotVector::new(Meta::plain(level, scale), self.padded(values)))
    }

    fn add(&self, a: &SlotVector, b: &SlotVector) -> Result<SlotVector> {
        Ok(self.zip(rules::add(&a.meta, &b.meta)?, a, b, |x, y| x + y))
    }

    fn sub(&self, a: &SlotVector, b: &SlotVector) -> Result<SlotVector> {
        Ok(self.zip(rules::add(&a.meta, &b.meta)?, a, b, |x, y| x - y))
    }

    fn neg(&self, a: &SlotVector) -> Result<SlotVector> {
        Ok(self.map(a.meta, a, |x| -x))
    }

    fn add_plain(&self, a: &SlotVector, p: &SlotVector) -> Result<SlotVector> {
        Ok(self.zip(rules::add_plain(&a.meta, &p.meta)?, a, p, |x, y| x + y))
    }

    fn sub_plain(&self, a: &SlotVector, p: &SlotVector) -> Result<SlotVector> {
        Ok(self.zip(rules::add_plain(&a.meta, &p.meta)?, a, p, |x, y| x - y))
    }

    fn mul_plain(&self, a: &SlotVector, p: &SlotVector) -> Result<SlotVector> {
        Ok(self.zip(rules::mul_plain(&a.meta, &p.meta)?, a, p, |x, y| x * y))
    }

    fn add_const(&self, a: &SlotVector, c: f64) -> Result<SlotVector> {
        Ok(self.map(rules::add_const(&self.chain, &a.meta, c)?, a, |x| x + c))
    }

    fn mul_const(&self, a: &SlotVector, c: f64) -> Result<SlotVector> {
        Ok(self.map(rules::mul_const(&self.chain, &a.meta, c)?, a, |x| x * c))
    }

    fn mul_const_at_scale(&self, a: &SlotVector, c: f64, scale: f64) -> Result<SlotVector> {
        Ok(self.map(rules::mul_const_at_scale(&self.chain, &a.meta, c, scale)?, a, |x| x * c))
    }

    fn mul_integer(&self, a: &SlotVector, k: i64) -> Result<SlotVector> {
        let meta = rules::mul_integer(&self.chain, &a.meta, k)?;
        let k = k as f64;
        Ok(self.map(meta, a, |x| x * k))
    }

    fn mul(&self, a: &SlotVector, b: &SlotVector) -> Result<SlotVector> {
        Ok(self.zip(rules::mul(&a.meta, &b.meta)?, a, b, |x, y| x * y))
    }

    fn square(&self, a: &SlotVector) -> Result<SlotVector> {
        Ok(self.map(rules::mul(&a.meta, &a.meta)?, a, |x| x * x))
    }

    fn relinearize(&self, a: &SlotVector) -> Result<SlotVector> {
        if a.meta.size > 2 {
            self.keys.check_relinearization()?;
        }
        Ok(SlotVector { meta: rules::relinearize(&a.meta), ..a.clone() })
    }

    fn rescale(&self, a: &SlotVector) -> Result<SlotVector> {
        Ok(SlotVector { meta: rules::rescale(&self.chain, &a.meta)?, ..a.clone() })
    }

    fn drop_level(&self, a: &SlotVector, level: usize) -> Result<SlotVector> {
        Ok(SlotVector { meta: rules::drop_level(&a.meta, level)?, ..a.clone() })
    }

    fn align_to_level(&self, a: &SlotVector, level: usize) -> Result<SlotVector> {
        Ok(SlotVector { meta: rules::align_to_level(&self.chain, &a.meta, level)?, ..a.clone() })
    }

    fn rotate(&self, a: &SlotVector, step: i64) -> Result<SlotVector> {
        let meta = rules::automorphism(&a.meta, "rotating")?;
        self.keys.check_rotation(&self.chain, step, a.meta.level)?;
        let mut slots = a.slots.clone();
        slots.rotate_left(self.chain.normalise_step(step));
        Ok(SlotVector { meta, slots, max_abs: a.max_abs })
    }

    fn conjugate(&self, a: &SlotVector) -> Result<SlotVector> {
        let meta = rules::automorphism(&a.meta, "conjugating")?;
        self.keys.check_conjugation(&self.chain, a.meta.level)?;
        Ok(self.map(meta, a, |x| x.conj()))
    }

    fn mul_i(&self, a: &SlotVector) -> Result<SlotVector> {
        Ok(self.map(a.meta, a, |x| Complex64::new(-x.im, x.re)))
    }

    fn bootstrap(&self, a: &SlotVector) -> Result<SlotVector> {
        let plan = self.bootstrap.as_ref().ok_or(CkksError::BootstrapUnavailable)?;
        let meta = plan.check_input(&a.meta)?;
        self.keys.check_bootstrap()?;
        Ok(self.make(meta, plan.ideal(&a.slots)?))
    }

    fn bootstrap_plan(&self) -> Option<&dyn BootstrapModel> {
        self.bootstrap.as_deref()
    }
}
