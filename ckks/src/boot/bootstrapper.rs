//! The encrypted bootstrapping: a plan, the evaluation keys it lists, the encapsulation keys,
//! and the plan's constants encoded once.

use super::plan::{BootstrapPlan, Plains};
use super::raise::mod_raise;
use super::sse::EncapsulationKeys;
use crate::error::Result;
use crate::eval::{HomomorphicEvaluator, KeyModel};
use crate::math::Prng;
use crate::scheme::ciphertext::check_hash;
use crate::scheme::{Ciphertext, Context, EvaluationKeys, Evaluator, Plaintext, SecretKey};
use std::sync::Arc;

/// Refreshes ciphertexts: from any level (aligned to level 0 first) to
/// [`BootstrapPlan::output_level`] at its nominal scale, for the slots of its plan.
///
/// Built on the server from public material: the context, the plan, evaluation keys holding
/// (at least) the relinearization key and the Galois keys of [`BootstrapPlan::rotations`], and
/// the [`EncapsulationKeys`].
pub struct Bootstrapper {
    plan: Arc<BootstrapPlan>,
    he: HomomorphicEvaluator,
    encapsulation: EncapsulationKeys,
    plains: Plains<Plaintext>,
}

impl std::fmt::Debug for Bootstrapper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Bootstrapper({} slots, levels {} -> {}, {:?})",
            self.plan.slots(),
            self.plan.chain().max_level(),
            self.plan.output_level(),
            self.he.context()
        )
    }
}

/// The evaluation keys a plan lists: the relinearization key and the Galois keys of its
/// rotations and conjugation, and nothing else.
pub fn evaluation_keys(plan: &BootstrapPlan, sk: &SecretKey, prng: &mut Prng) -> EvaluationKeys {
    let r = plan.rotations();
    EvaluationKeys {
        relinearization: Some(sk.relinearization_key(prng)),
        galois: sk.galois_keys(&r.steps_i64(), r.conjugation, prng),
    }
}

impl Bootstrapper {
    /// A bootstrapper for `plan` on `ctx` with `keys` and `encapsulation`; encodes the plan's
    /// constants (the transforms' diagonals).
    ///
    /// # Errors
    /// [`crate::CkksError::InvalidParameters`] for a plan of another chain,
    /// [`crate::CkksError::ContextMismatch`] for keys of other parameters, and the missing-key
    /// errors ([`crate::CkksError::MissingRotationKey`] and friends) for the first key the plan
    /// lists that `keys` lacks.
    pub fn new(
        ctx: &Context,
        plan: Arc<BootstrapPlan>,
        keys: Arc<EvaluationKeys>,
        encapsulation: EncapsulationKeys,
    ) -> Result<Self> {
        plan.check_chain(ctx.chain())?;
        check_hash(ctx, encapsulation.params_hash())?;
        let eval = Evaluator::new(ctx, keys)?;
        let model = KeyModel::from_keys(eval.keys());
        model.check_relinearization()?;
        for &s in &plan.rotations().steps {
            model.check_rotation(ctx.chain(), s as i64)?;
        }
        if plan.rotations().conjugation {
            model.check_conjugation(ctx.chain())?;
        }
        let he = HomomorphicEvaluator::new(eval);
        let plains = plan.encode(&he)?;
        Ok(Self { plan, he, encapsulation, plains })
    }

    /// Client side, for tests and in-process experiments: generates exactly the keys the plan
    /// lists and the encapsulation keys from `sk`, then builds the bootstrapper.
    ///
    /// # Errors
    /// As [`Bootstrapper::new`] and [`EncapsulationKeys::generate`].
    pub fn generate(sk: &SecretKey, plan: Arc<BootstrapPlan>, prng: &mut Prng) -> Result<Self> {
        let keys = evaluation_keys(&plan, sk, prng);
        let encapsulation = EncapsulationKeys::generate(sk, plan.config().hamming_weight, prng)?;
        Self::new(sk.context(), plan, Arc::new(keys), encapsulation)
    }

    /// The plan.
    pub fn plan(&self) -> &Arc<BootstrapPlan> {
        &self.plan
    }

    /// The evaluator the stages run on (it holds the evaluation keys).
    pub fn evaluator(&self) -> &HomomorphicEvaluator {
        &self.he
    }

    /// The encapsulation keys.
    pub fn encapsulation_keys(&self) -> &EncapsulationKeys {
        &self.encapsulation
    }

    /// Bytes of the key material bootstrapping uses: the relinearization key, the Galois keys
    /// of the plan's rotations and the encapsulation keys.
    pub fn key_bytes(&self) -> usize {
        let keys = self.he.evaluator().keys();
        let ctx = self.he.context();
        let r = self.plan.rotations();
        let mut elements: Vec<usize> =
            r.steps.iter().map(|&s| ctx.rotation_galois_element(s as i64)).collect();
        if r.conjugation {
            elements.push(ctx.conjugation_galois_element());
        }
        let galois: usize = elements
            .iter()
            .filter_map(|g| keys.galois.keys.get(g))
            .map(|k| k.key.byte_size())
            .sum();
        let relin = keys.relinearization.as_ref().map_or(0, |k| k.byte_size());
        galois + relin + self.encapsulation.byte_size()
    }

    /// Bytes of the encoded constants (the transforms' diagonals).
    pub fn constant_bytes(&self) -> usize {
        let p = &self.plains;
        p.cts
            .iter()
            .chain(&p.stc)
            .flatten()
            .flatten()
            .chain(std::iter::once(&p.minus_i).chain(&p.plus_i))
            .map(|pt| pt.poly().data().len() * 8)
            .sum()
    }

    /// Stage 1: the input aligned to level 0, scaled up by [`BootstrapPlan::scale_up`],
    /// switched to the ephemeral secret, raised to the top level and switched back; its scale
    /// is set to `q_0`, so its slots are the embedding of `m / q_0 + I`.
    ///
    /// # Errors
    /// [`crate::CkksError::ContextMismatch`], [`crate::CkksError::NeedsRelinearization`],
    /// [`crate::CkksError::BootstrapScale`].
    pub fn mod_raise(&self, ct: &Ciphertext) -> Result<Ciphertext> {
        let ctx = self.he.context();
        check_hash(ctx, ct.params_hash())?;
        self.plan.check_input(&ct.meta())?;
        let eval = self.he.evaluator();
        let low = if ct.level() > 0 { eval.align_to_level(ct, 0)? } else { ct.clone() };
        let low = eval.mul_integer(&low, self.plan.scale_up())?;
        let sparse = self.encapsulation.to_sparse(ctx, &low);
        let raised = mod_raise(ctx, &sparse, ctx.max_level());
        let mut out = self.encapsulation.to_dense(ctx, &raised);
        out.scale = self.plan.raised_scale();
        Ok(out)
    }

    /// Stage 2: the trace (sparse slots), CoeffsToSlots and the real parts: one ciphertext for
    /// sparse slots, two (real and imaginary parts of the coefficients) for full slots.
    ///
    /// # Errors
    /// What the evaluator reports.
    pub fn coeffs_to_slots(&self, raised: &Ciphertext) -> Result<Vec<Ciphertext>> {
        let traced = self.plan.trace(&self.he, raised)?;
        self.plan.coeffs_to_slots(&self.he, &traced, &self.plains)
    }

    /// Stage 3: the modular reduction of one CoeffsToSlots output.
    ///
    /// # Errors
    /// What the evaluator reports.
    pub fn eval_mod(&self, x: &Ciphertext) -> Result<Ciphertext> {
        self.plan.eval_mod(&self.he, x)
    }

    /// Stage 4: SlotsToCoeffs of the reduced values.
    ///
    /// # Errors
    /// What the evaluator reports.
    pub fn slots_to_coeffs(&self, parts: &[Ciphertext]) -> Result<Ciphertext> {
        self.plan.slots_to_coeffs(&self.he, parts, &self.plains)
    }

    /// The four stages: `ct` refreshed to [`BootstrapPlan::output_level`] at its nominal scale.
    ///
    /// # Errors
    /// As the stages.
    pub fn bootstrap(&self, ct: &Ciphertext) -> Result<Ciphertext> {
        let raised = self.mod_raise(ct)?;
        self.plan.after_raise(&self.he, &raised, &self.plains)
    }
}
