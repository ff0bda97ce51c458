//! The op counter: an observer that counts operations, key switches and input sizes.

use super::{Event, Observed, Observer};
use crate::eval::traits::{CkksEvaluator, Op};
use crate::eval::SymbolicEvaluator;
use crate::scheme::{Meta, ModulusChain};
use std::collections::BTreeMap;
use std::sync::Mutex;

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
            Op::MulConst | Op::MulInteger | Op::MulI => self.const_multiplications += 1,
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
