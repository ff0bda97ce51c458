//! What the evaluators know of bootstrapping, as traits the bootstrapping layer ([`crate::boot`])
//! implements: the evaluators sit below it and never import it.
//!
//! - [`BootstrapModel`] (implemented by [`BootstrapPlan`](crate::boot::BootstrapPlan)): the
//!   preconditions, the output level, the exact meaning on slots and the cost of one bootstrap,
//!   which is all the plaintext and symbolic evaluators and the observers need.
//! - [`Refresh`] (implemented by [`Bootstrapper`](crate::boot::Bootstrapper)): bootstrapping on
//!   ciphertexts, whole or stage by stage with each stage checked against its definition (for the
//!   debug evaluator, through a [`StageProbe`]).

use super::observe::{OpCounts, RotationSet};
use super::traits::Stage;
use crate::error::Result;
use crate::scheme::{Ciphertext, Meta, ModulusChain};
use num_complex::Complex64;
use std::any::Any;
use std::sync::Arc;

/// The work of one bootstrap, counted on a symbolic run of its stages: what an op counter and
/// a rotation collector add for each bootstrap.
#[derive(Clone, Debug, PartialEq)]
pub struct BootstrapProfile {
    /// Operation counts (the two key switches of the encapsulation included).
    pub counts: OpCounts,
    /// The rotations (the trace's first) and conjugation whose keys the evaluation key set must
    /// hold, which a rotation collector reports; the transforms' and the trace rounds'
    /// rotations are the bootstrapper's own keys
    /// ([`BootstrapPlan::transform_rotations`](crate::boot::BootstrapPlan::transform_rotations)).
    pub rotations: RotationSet,
}

/// A bootstrapping procedure as the simulated evaluators see it.
pub trait BootstrapModel: std::fmt::Debug + Send + Sync + Any {
    /// Checks that the procedure was made for `chain`.
    ///
    /// # Errors
    /// [`CkksError::InvalidParameters`](crate::CkksError) for another chain.
    fn check_chain(&self, chain: &ModulusChain) -> Result<()>;

    /// Checks an input's size, level and scale and gives the output's metadata.
    ///
    /// # Errors
    /// [`CkksError::NeedsRelinearization`](crate::CkksError),
    /// [`CkksError::BootstrapScale`](crate::CkksError).
    fn check_input(&self, a: &Meta) -> Result<Meta>;

    /// What bootstrapping computes on exact slots.
    ///
    /// # Errors
    /// [`CkksError::BootstrapRange`](crate::CkksError) for a slot beyond the covered range.
    fn ideal(&self, slots: &[Complex64]) -> Result<Vec<Complex64>>;

    /// The level of every output.
    fn output_level(&self) -> usize;

    /// What one bootstrap performs.
    fn profile(&self) -> &BootstrapProfile;

    /// The concrete procedure (for a downcast to [`BootstrapPlan`](crate::boot::BootstrapPlan)).
    fn as_any(&self) -> &dyn Any;
}

/// One stage of a bootstrap against its definition: the slots the stage should hold (computed
/// from the decryption of its input) and those it holds, in units where `unit` times the
/// difference is an error in message units.
#[derive(Clone, Debug)]
pub struct StageCheck {
    /// The stage.
    pub stage: Stage,
    /// Its output's metadata.
    pub meta: Meta,
    /// The definition applied to the decrypted input.
    pub expected: Vec<Complex64>,
    /// The decryption of the output.
    pub actual: Vec<Complex64>,
    /// The factor from these values' units to message units.
    pub unit: f64,
}

/// Decryption of intermediate ciphertexts, for a stage-by-stage check (the debug evaluator's
/// side, holding the secret key).
pub trait StageProbe {
    /// The decrypted coefficients (divided by the scale).
    ///
    /// # Errors
    /// [`CkksError::ContextMismatch`](crate::CkksError).
    fn coeffs(&self, ct: &Ciphertext) -> Result<Vec<f64>>;

    /// The decrypted slots.
    ///
    /// # Errors
    /// [`CkksError::ContextMismatch`](crate::CkksError).
    fn slots(&self, ct: &Ciphertext) -> Result<Vec<Complex64>>;
}

/// Bootstrapping on ciphertexts.
pub trait Refresh: Send + Sync + Any {
    /// The procedure as the simulated evaluators see it.
    fn model(&self) -> Arc<dyn BootstrapModel>;

    /// The hash of the parameters it works in.
    fn params_hash(&self) -> u64;

    /// Refreshes `ct` (see [`CkksEvaluator::bootstrap`](super::CkksEvaluator::bootstrap)).
    ///
    /// # Errors
    /// As [`CkksEvaluator::bootstrap`](super::CkksEvaluator::bootstrap).
    fn bootstrap(&self, ct: &Ciphertext) -> Result<Ciphertext>;

    /// Refreshes `ct` stage by stage, giving `report` each stage checked against its definition
    /// on the decryptions `probe` makes.
    ///
    /// # Errors
    /// As [`Refresh::bootstrap`], and the probe's.
    fn bootstrap_checked(
        &self,
        ct: &Ciphertext,
        probe: &dyn StageProbe,
        report: &mut dyn FnMut(StageCheck),
    ) -> Result<Ciphertext>;

    /// The concrete procedure (for a downcast to [`Bootstrapper`](crate::boot::Bootstrapper)).
    fn as_any(&self) -> &dyn Any;
}
