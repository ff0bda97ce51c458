//! The bootstrapping key set: the evaluation keys (relinearization, conjugation and the
//! trace's first rotation, which may be shared with the circuit's evaluator), the Galois keys of
//! the linear transforms and of the trace's rounds restricted to the levels they are used at,
//! and the encapsulation keys.
//!
//! A Galois key used only at level `l` needs only the primes `q_0 .. q_l` and `P`, and only the
//! key-switching digits that start at or below `l`: SlotsToCoeffs' keys, at the bottom of the
//! bootstrapping levels, are about a third of a full key.

use super::plan::BootstrapPlan;
use super::sse::EncapsulationKeys;
use crate::error::{CkksError, Result};
use crate::eval::RotationSet;
use crate::math::Prng;
use crate::scheme::{Context, EvaluationKeys, GaloisKey, GaloisKeys, SecretKey};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Galois keys by Galois element, each restricted to the level it is used at
/// ([`GaloisKey::level`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TransformKeys {
    pub(crate) keys: BTreeMap<usize, GaloisKey>,
}

impl TransformKeys {
    /// The keys of `rotations` (step -> the highest level it is used at), each restricted to
    /// its level.
    pub fn generate(sk: &SecretKey, rotations: &BTreeMap<usize, usize>, prng: &mut Prng) -> Self {
        let ctx = sk.context();
        let keys = rotations
            .iter()
            .map(|(&step, &level)| {
                let g = ctx.rotation_galois_element(step as i64);
                (g, sk.galois_key(g, prng).restricted(ctx, level))
            })
            .collect();
        Self { keys }
    }

    /// The key of a left rotation by `step` for use at `level`.
    ///
    /// # Errors
    /// [`CkksError::MissingRotationKey`] without a key of at least that level.
    pub(crate) fn get(&self, ctx: &Context, step: usize, level: usize) -> Result<&GaloisKey> {
        let g = ctx.rotation_galois_element(step as i64);
        match self.keys.get(&g) {
            Some(k) if k.level() >= level => Ok(k),
            _ => Err(CkksError::MissingRotationKey { step, galois_element: g }),
        }
    }

    /// Size in bytes of the keys' residues.
    pub fn byte_size(&self) -> usize {
        self.keys.values().map(GaloisKey::byte_size).sum()
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The Galois keys a circuit that bootstraps under `plan` needs besides bootstrapping's own
/// evaluation keys ([`BootstrapPlan::evaluator_rotations`], whole): the rest of `rotations`,
/// restricted to the circuit's levels ([`SecretKey::galois_keys_at`] at
/// [`crate::ModulusChain::circuit_top`]), where the circuit runs.
pub fn circuit_galois_keys(
    sk: &SecretKey,
    plan: &BootstrapPlan,
    rotations: &RotationSet,
    prng: &mut Prng,
) -> GaloisKeys {
    let rest = rotations.without(&plan.evaluator_rotations());
    sk.galois_keys_at(&rest.steps_i64(), rest.conjugation, sk.context().chain().circuit_top(), prng)
}

/// Everything bootstrapping needs, public material only.
#[derive(Clone, Debug)]
pub struct BootstrapKeys {
    /// Relinearization, conjugation and the trace's first rotation
    /// ([`BootstrapPlan::evaluator_rotations`]); may be the circuit's own key set.
    pub evaluation: Arc<EvaluationKeys>,
    /// The linear transforms' and the trace rounds' rotations
    /// ([`BootstrapPlan::transform_rotations`]).
    pub transforms: TransformKeys,
    /// Sparse-secret encapsulation.
    pub encapsulation: EncapsulationKeys,
}

impl BootstrapKeys {
    /// Generates exactly the keys `plan` lists (client side).
    ///
    /// # Errors
    /// As [`EncapsulationKeys::generate`].
    pub fn generate(sk: &SecretKey, plan: &BootstrapPlan, prng: &mut Prng) -> Result<Self> {
        let r = plan.evaluator_rotations();
        let evaluation = EvaluationKeys {
            relinearization: Some(sk.relinearization_key(prng)),
            galois: sk.galois_keys(&r.steps_i64(), r.conjugation, prng),
        };
        let transforms = TransformKeys::generate(sk, &plan.transform_rotations(), prng);
        let encapsulation = EncapsulationKeys::generate(sk, plan.config().hamming_weight, prng)?;
        Ok(Self { evaluation: Arc::new(evaluation), transforms, encapsulation })
    }

    /// Size in bytes of the residues of every key it holds (the evaluation keys whole, which
    /// may be shared with a circuit's: [`super::Bootstrapper::key_bytes`] counts only those
    /// bootstrapping uses).
    pub fn byte_size(&self) -> usize {
        let ev = &self.evaluation;
        ev.relinearization.as_ref().map_or(0, |k| k.byte_size())
            + ev.galois.byte_size()
            + self.transforms.byte_size()
            + self.encapsulation.byte_size()
    }
}
