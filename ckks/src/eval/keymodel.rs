//! Which evaluation keys a simulated evaluator pretends to hold, so that a plaintext or symbolic
//! run fails on a missing key exactly as the encrypted run would.

use crate::error::{CkksError, Result};
use crate::scheme::{rules, EvaluationKeys, ModulusChain};
use std::collections::BTreeMap;

/// A model of a set of evaluation keys. The default holds every key (analysis runs never fail
/// on keys); [`KeyModel::from_keys`] mirrors real keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyModel {
    relinearization: bool,
    /// Galois elements with a key, each with the highest level it serves; `None`: all.
    galois: Option<BTreeMap<usize, usize>>,
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
        Self { relinearization: false, galois: Some(BTreeMap::new()), bootstrapping: false }
    }

    /// The relinearization key and Galois keys for the left rotations by `steps` (normalised
    /// modulo the slot count) and, if `conjugation`, for conjugation, at every level.
    pub fn with_rotations(chain: &ModulusChain, steps: &[i64], conjugation: bool) -> Self {
        let top = chain.max_level();
        let mut galois: BTreeMap<usize, usize> =
            steps.iter().map(|&s| (chain.rotation_galois_element(s), top)).collect();
        if conjugation {
            galois.insert(chain.conjugation_galois_element(), top);
        }
        Self { relinearization: true, galois: Some(galois), bootstrapping: true }
    }

    /// Exactly the keys in `keys` (and no bootstrapper: see
    /// [`KeyModel::with_bootstrapping`]).
    pub fn from_keys(keys: &EvaluationKeys) -> Self {
        Self {
            relinearization: keys.relinearization.is_some(),
            galois: Some(keys.galois.keys.iter().map(|(&g, k)| (g, k.level())).collect()),
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

    /// Checks for the key of Galois element `g` at `level`; `missing` is the error without one.
    fn check(&self, g: usize, level: usize, missing: CkksError) -> Result<()> {
        let Some(set) = &self.galois else { return Ok(()) };
        let &key_level = set.get(&g).ok_or(missing)?;
        rules::galois_key_level(g, key_level, level)
    }

    /// Checks for the key of a left rotation by `step` at `level` (no key is needed for a
    /// multiple of the slot count).
    ///
    /// # Errors
    /// [`CkksError::MissingRotationKey`], [`CkksError::GaloisKeyLevel`].
    pub fn check_rotation(&self, chain: &ModulusChain, step: i64, level: usize) -> Result<()> {
        let s = chain.normalise_step(step);
        let g = chain.rotation_galois_element(step);
        if s == 0 {
            return Ok(());
        }
        self.check(g, level, CkksError::MissingRotationKey { step: s, galois_element: g })
    }

    /// Checks for the conjugation key at `level`.
    ///
    /// # Errors
    /// [`CkksError::MissingConjugationKey`], [`CkksError::GaloisKeyLevel`].
    pub fn check_conjugation(&self, chain: &ModulusChain, level: usize) -> Result<()> {
        self.check(chain.conjugation_galois_element(), level, CkksError::MissingConjugationKey)
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
