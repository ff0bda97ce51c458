//! Observing evaluators: [`Observed`] runs any evaluator and reports every operation to an
//! [`Observer`]. The depth finder, the op counter, the rotation collector and the scale
//! estimator are observers; a tuple of observers watches one run for all of them at once.

use super::refresh::{BootstrapModel, BootstrapProfile};
use super::traits::{CkksEvaluator, Op};
use super::SymbolicEvaluator;
use crate::error::Result;
use crate::scheme::{Meta, ModulusChain};
use num_complex::Complex64;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

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

// ----- depth ---------------------------------------------------------------------------------

/// Observer that measures the multiplicative depth: the highest level an input was encrypted at
/// minus the lowest level any value reached.
///
/// For a circuit whose inputs all start at the same level, this is the number of rescales on the
/// longest path; an input encrypted `j` levels lower counts as having passed `j` rescales
/// already, and a level drop counts like the rescales it stands for. It is exactly the number
/// of levels the parameters must provide above the lowest one.
#[derive(Debug)]
pub struct Depth {
    top: AtomicUsize,
    lowest: AtomicUsize,
}

impl Default for Depth {
    fn default() -> Self {
        Self { top: AtomicUsize::new(0), lowest: AtomicUsize::new(usize::MAX) }
    }
}

impl Depth {
    /// The depth so far (0 before any input).
    pub fn depth(&self) -> usize {
        let lowest = self.lowest.load(Ordering::Relaxed);
        self.top.load(Ordering::Relaxed).saturating_sub(lowest)
    }

    /// The highest level an input was encrypted at.
    pub fn top_input_level(&self) -> usize {
        self.top.load(Ordering::Relaxed)
    }

    /// The lowest level any value reached (`None` before any value).
    pub fn lowest_level(&self) -> Option<usize> {
        Some(self.lowest.load(Ordering::Relaxed)).filter(|&l| l != usize::MAX)
    }
}

impl<E: CkksEvaluator> Observer<E> for Depth {
    fn observe(&self, event: &Event<'_>, _value: Option<&E::Value>) {
        match event.op {
            Op::Encode => {}
            // A bootstrap starts a segment as an input does.
            Op::Encrypt | Op::Bootstrap => {
                self.top.fetch_max(event.result.level, Ordering::Relaxed);
                self.lowest.fetch_min(event.result.level, Ordering::Relaxed);
            }
            _ => {
                self.lowest.fetch_min(event.result.level, Ordering::Relaxed);
            }
        }
    }
}

/// Measures the multiplicative depth of a circuit (see [`Depth`]), on metadata only unless built
/// over another evaluator with [`Observed::with_observer`].
pub type DepthFinder<E = SymbolicEvaluator> = Observed<E, Depth>;

impl DepthFinder {
    /// A depth finder on `chain` (for instance [`ModulusChain::analysis`]), every key available.
    pub fn new(chain: ModulusChain) -> Self {
        Observed::with_observer(SymbolicEvaluator::new(chain), Depth::default())
    }
}

impl<E: CkksEvaluator> DepthFinder<E> {
    /// Measures the depth of the operations run through `inner`.
    pub fn wrap(inner: E) -> Self {
        Observed::with_observer(inner, Depth::default())
    }

    /// The depth so far.
    pub fn depth(&self) -> usize {
        self.observer().depth()
    }
}

// ----- op counts -----------------------------------------------------------------------------

/// Operation counts of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpCounts {
    /// Encryptions of inputs.
    pub encryptions: usize,
    /// Encryptions by level (a ciphertext at level `l` has `2 (l + 1) N` words).
    pub encryptions_by_level: BTreeMap<usize, usize>,
    /// Plaintext encodings.
    pub encodings: usize,
    /// Ciphertext additions and subtractions.
    pub additions: usize,
    /// Additions and subtractions of plaintexts and constants.
    pub plain_additions: usize,
    /// Negations.
    pub negations: usize,
    /// Multiplications by real or integer constants.
    pub const_multiplications: usize,
    /// Multiplications by plaintexts.
    pub plain_multiplications: usize,
    /// Ciphertext multiplications (squares included).
    pub ct_multiplications: usize,
    /// Relinearizations (key switches).
    pub relinearizations: usize,
    /// Rescales.
    pub rescales: usize,
    /// Rotations (key switches), hoisted ones included.
    pub rotations: usize,
    /// The rotations that shared a decomposition with others (hoisted).
    pub hoisted_rotations: usize,
    /// Conjugations (key switches).
    pub conjugations: usize,
    /// Level drops.
    pub level_drops: usize,
    /// Alignments to a lower level (each one constant multiplication and one rescale, not
    /// counted again above).
    pub alignments: usize,
    /// Bootstraps (their operations are counted in the fields above).
    pub bootstraps: usize,
    /// Key switches of sparse-secret encapsulation (two per bootstrap).
    pub encapsulations: usize,
}

impl OpCounts {
    /// All multiplications: constant, plaintext and ciphertext.
    pub fn multiplications(&self) -> usize {
        self.const_multiplications + self.plain_multiplications + self.ct_multiplications
    }

    /// Key switches: relinearizations, rotations, conjugations and those of bootstrapping's
    /// sparse-secret encapsulation.
    pub fn key_switches(&self) -> usize {
        self.relinearizations + self.rotations + self.conjugations + self.encapsulations
    }

    /// Bytes of the encrypted inputs for ring degree `n` (8-byte words, no compression).
    pub fn input_bytes(&self, n: usize) -> usize {
        self.encryptions_by_level.iter().map(|(&l, &count)| count * 2 * (l + 1) * n * 8).sum()
    }

    fn record(&mut self, op: Op, result: &Meta) {
        match op {
            Op::Encrypt => {
                self.encryptions += 1;
                *self.encryptions_by_level.entry(result.level).or_default() += 1;
            }
            Op::Encode => self.encodings += 1,
            Op::Add | Op::Sub => self.additions += 1,
            Op::AddPlain | Op::SubPlain | Op::AddConst => self.plain_additions += 1,
            Op::Neg => self.negations += 1,
            Op::MulConst | Op::MulInteger => self.const_multiplications += 1,
            Op::MulPlain => self.plain_multiplications += 1,
            Op::Mul | Op::Square => self.ct_multiplications += 1,
            Op::Relinearize => self.relinearizations += 1,
            Op::Rescale => self.rescales += 1,
            Op::DropLevel => self.level_drops += 1,
            Op::AlignToLevel => self.alignments += 1,
            Op::Rotate { hoisted, .. } => {
                self.rotations += 1;
                self.hoisted_rotations += usize::from(hoisted);
            }
            Op::Conjugate => self.conjugations += 1,
            Op::Bootstrap => self.bootstraps += 1,
            Op::BootstrapStage(_) => {}
        }
    }

    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &OpCounts) {
        self.encryptions += other.encryptions;
        for (&l, &c) in &other.encryptions_by_level {
            *self.encryptions_by_level.entry(l).or_default() += c;
        }
        self.encodings += other.encodings;
        self.additions += other.additions;
        self.plain_additions += other.plain_additions;
        self.negations += other.negations;
        self.const_multiplications += other.const_multiplications;
        self.plain_multiplications += other.plain_multiplications;
        self.ct_multiplications += other.ct_multiplications;
        self.relinearizations += other.relinearizations;
        self.rescales += other.rescales;
        self.rotations += other.rotations;
        self.hoisted_rotations += other.hoisted_rotations;
        self.conjugations += other.conjugations;
        self.level_drops += other.level_drops;
        self.alignments += other.alignments;
        self.bootstraps += other.bootstraps;
        self.encapsulations += other.encapsulations;
    }
}

/// Observer that counts operations.
#[derive(Debug, Default)]
pub struct Counter(Mutex<OpCounts>);

impl Counter {
    /// The counts so far.
    pub fn counts(&self) -> OpCounts {
        self.0.lock().expect("counter lock").clone()
    }
}

impl<E: CkksEvaluator> Observer<E> for Counter {
    fn observe(&self, event: &Event<'_>, _value: Option<&E::Value>) {
        let mut counts = self.0.lock().expect("counter lock");
        counts.record(event.op, &event.result);
        if let Some(profile) = event.bootstrap {
            counts.add(&profile.counts);
        }
    }
}

/// Counts the operations of a circuit, on metadata only by default; over another evaluator
/// (`OpCounter::wrap(homomorphic)`) it counts an encrypted run.
pub type OpCounter<E = SymbolicEvaluator> = Observed<E, Counter>;

impl OpCounter {
    /// An op counter on `chain`, every key available.
    pub fn new(chain: ModulusChain) -> Self {
        Observed::with_observer(SymbolicEvaluator::new(chain), Counter::default())
    }
}

impl<E: CkksEvaluator> OpCounter<E> {
    /// Counts the operations run through `inner`.
    pub fn wrap(inner: E) -> Self {
        Observed::with_observer(inner, Counter::default())
    }

    /// The counts so far.
    pub fn counts(&self) -> OpCounts {
        self.observer().counts()
    }
}

// ----- rotations -----------------------------------------------------------------------------

/// The rotation steps (normalised to `[1, N/2)`) and whether conjugation is used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RotationSet {
    /// Left-rotation steps.
    pub steps: BTreeSet<usize>,
    /// Whether any conjugation was asked for.
    pub conjugation: bool,
}

impl RotationSet {
    /// The steps as signed integers, ready for [`SecretKey::galois_keys`](crate::SecretKey::galois_keys).
    pub fn steps_i64(&self) -> Vec<i64> {
        self.steps.iter().map(|&s| s as i64).collect()
    }
}

/// Observer that collects rotation steps.
#[derive(Debug, Default)]
pub struct Rotations(Mutex<RotationSet>);

impl Rotations {
    /// The steps so far.
    pub fn set(&self) -> RotationSet {
        self.0.lock().expect("rotation lock").clone()
    }
}

impl<E: CkksEvaluator> Observer<E> for Rotations {
    fn observe(&self, event: &Event<'_>, _value: Option<&E::Value>) {
        match event.op {
            Op::Rotate { step, .. } => {
                self.0.lock().expect("rotation lock").steps.insert(step);
            }
            Op::Conjugate => self.0.lock().expect("rotation lock").conjugation = true,
            Op::Bootstrap => {
                if let Some(profile) = event.bootstrap {
                    let mut set = self.0.lock().expect("rotation lock");
                    set.steps.extend(&profile.rotations.steps);
                    set.conjugation |= profile.rotations.conjugation;
                }
            }
            _ => {}
        }
    }
}

/// Collects the rotation steps a circuit uses, so Galois keys are generated for exactly those.
pub type RotationCollector<E = SymbolicEvaluator> = Observed<E, Rotations>;

impl RotationCollector {
    /// A rotation collector on `chain`, every key available.
    pub fn new(chain: ModulusChain) -> Self {
        Observed::with_observer(SymbolicEvaluator::new(chain), Rotations::default())
    }
}

impl<E: CkksEvaluator> RotationCollector<E> {
    /// Collects the rotations run through `inner`.
    pub fn wrap(inner: E) -> Self {
        Observed::with_observer(inner, Rotations::default())
    }

    /// The rotations so far.
    pub fn rotations(&self) -> RotationSet {
        self.observer().set()
    }
}
