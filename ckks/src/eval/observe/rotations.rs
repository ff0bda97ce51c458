//! The rotation collector: an observer of the rotation steps and conjugations a circuit uses.

use super::{Event, Observed, Observer};
use crate::eval::traits::{CkksEvaluator, Op};
use crate::eval::SymbolicEvaluator;
use crate::scheme::ModulusChain;
use std::collections::BTreeSet;
use std::sync::Mutex;

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

    /// The rotations and conjugation of `self` that `other` lacks.
    pub fn without(&self, other: &RotationSet) -> RotationSet {
        RotationSet {
            steps: self.steps.difference(&other.steps).copied().collect(),
            conjugation: self.conjugation && !other.conjugation,
        }
    }

    /// The number of Galois keys the set needs (its steps and the conjugation).
    pub fn key_count(&self) -> usize {
        self.steps.len() + usize::from(self.conjugation)
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
