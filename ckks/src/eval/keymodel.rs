//! Which evaluation keys a simulated evaluator pretends to hold, so that a plaintext or symbolic
//! run fails on a missing key exactly as the encrypted run would.

use crate::error::{CkksError, Result};
use crate::scheme::{EvaluationKeys, ModulusChain};
use std::collections::BTreeSet;

/// A model of a set of evaluation keys. The default holds every key (analysis runs never fail
/// on keys); [`KeyModel::from_keys`] mirrors real keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyModel {
    relinearization: bool,
    /// Galois elements with a key; `None`: all.
    galois: Option<BTreeSet<usize>>,
    /// Whether a bootstrapper (with its own keys) is held.
    bootstrapping: bool,
}

impl Default for KeyModel {
    fn default() -> Self {
        Self::all()
    }
}

impl KeyModel {
    /// Every key.
    pub fn all() -> Self {
        Self { relinearization: true, galois: None, bootstrapping: true }
    }

    /// No key at all.
    pub fn none() -> Self {
        Self { relinearization: false, galois: Some(BTreeSet::new()), bootstrapping: false }
    }

    /// The relinearization key and Galois keys for the left rotations by `steps` (normalised
    /// modulo the slot count) and, if `conjugation`, for conjugation.
    pub fn with_rotations(chain: &ModulusChain, steps: &[i64], conjugation: bool) -> Self {
        let mut galois: BTreeSet<usize> =
            steps.iter().map(|&s| chain.rotation_galois_element(s)).collect();
        if conjugation {
            galois.insert(chain.conjugation_galois_element());
        }
        Self { relinearization: true, galois: Some(galois), bootstrapping: true }
    }

    /// Exactly the keys in `keys` (and no bootstrapper: see
    /// [`KeyModel::with_bootstrapping`]).
    pub fn from_keys(keys: &EvaluationKeys) -> Self {
        Self {
            relinearization: keys.relinearization.is_some(),
            galois: Some(keys.galois.galois_elements().into_iter().collect()),
            bootstrapping: false,
        }
    }

    /// Checks for the relinearization key.
    ///
    /// # Errors
    /// [`CkksError::MissingRelinearizationKey`].
    pub fn check_relinearization(&self) -> Result<()> {
        if self.relinearization {
            Ok(())
        } else {
            Err(CkksError::MissingRelinearizationKey)
        }
    }

    fn has(&self, g: usize) -> bool {
        self.galois.as_ref().is_none_or(|set| set.contains(&g))
    }

    /// Checks for the key of a left rotation by `step` (no key is needed for a multiple of the
    /// slot count).
    ///
    /// # Errors
    /// [`CkksError::MissingRotationKey`].
    pub fn check_rotation(&self, chain: &ModulusChain, step: i64) -> Result<()> {
        let s = chain.normalise_step(step);
        let g = chain.rotation_galois_element(step);
        if s == 0 || self.has(g) {
            Ok(())
        } else {
            Err(CkksError::MissingRotationKey { step: s, galois_element: g })
        }
    }

    /// Checks for the conjugation key.
    ///
    /// # Errors
    /// [`CkksError::MissingConjugationKey`].
    pub fn check_conjugation(&self, chain: &ModulusChain) -> Result<()> {
        if self.has(chain.conjugation_galois_element()) {
            Ok(())
        } else {
            Err(CkksError::MissingConjugationKey)
        }
    }

    /// The same model, with or without a bootstrapper (which holds the keys its plan lists:
    /// see [`crate::boot::Bootstrapper`]).
    pub fn with_bootstrapping(mut self, present: bool) -> Self {
        self.bootstrapping = present;
        self
    }

    /// Checks for a bootstrapper.
    ///
    /// # Errors
    /// [`CkksError::BootstrapUnavailable`].
    pub fn check_bootstrap(&self) -> Result<()> {
        if self.bootstrapping {
            Ok(())
        } else {
            Err(CkksError::BootstrapUnavailable)
        }
    }
}
