//! The encrypted bootstrapping: a plan, the evaluation keys it lists, the encapsulation keys,
//! and the plan's constants encoded once.

use super::hoisted;
use super::keys::BootstrapKeys;
use super::plan::{BootstrapPlan, Plains, Transform};
use super::raise::mod_raise;
use crate::error::Result;
use crate::eval::{CkksEvaluator, HomomorphicEvaluator, KeyModel};
use crate::math::{Eval, Prng, RnsPoly};
use crate::scheme::ciphertext::check_hash;
use crate::scheme::{Ciphertext, Context, Evaluator, Plaintext, SecretKey};
use rayon::prelude::*;
use std::sync::Arc;

/// Refreshes ciphertexts: from any level (aligned to level 0 first) to
/// [`BootstrapPlan::output_level`] at its nominal scale, for the slots of its plan.
///
/// Built on the server from public material: the context, the plan and the
/// [`BootstrapKeys`] it lists. The linear transforms run with double hoisting
/// (`super::hoisted`) on diagonals encoded once over `Q_l P`.
pub struct Bootstrapper {
    plan: Arc<BootstrapPlan>,
    he: HomomorphicEvaluator,
    keys: Arc<BootstrapKeys>,
    /// The units `-i`, `i`.
    plains: Plains<Plaintext>,
    /// Per transform, factor, giant step and term: the diagonal over `Q_l P`.
    cts: Vec<Vec<Vec<RnsPoly<Eval>>>>,
    stc: Vec<Vec<Vec<RnsPoly<Eval>>>>,
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

impl Bootstrapper {
    /// A bootstrapper for `plan` on `ctx` with `keys`; encodes the transforms' diagonals.
    ///
    /// # Errors
    /// [`crate::CkksError::InvalidParameters`] for a plan of another chain,
    /// [`crate::CkksError::ContextMismatch`] for keys of other parameters, and the missing-key
    /// errors ([`crate::CkksError::MissingRotationKey`] and friends) for the first key the plan
    /// lists that `keys` lacks.
    pub fn new(
        ctx: &Context,
        plan: Arc<BootstrapPlan>,
        keys: impl Into<Arc<BootstrapKeys>>,
    ) -> Result<Self> {
        let keys = keys.into();
        plan.check_chain(ctx.chain())?;
        check_hash(ctx, keys.encapsulation.params_hash())?;
        let eval = Evaluator::new(ctx, keys.evaluation.clone())?;
        let model = KeyModel::from_keys(eval.keys());
        model.check_relinearization()?;
        let r = plan.evaluator_rotations();
        for &s in &r.steps {
            model.check_rotation(ctx.chain(), s as i64, ctx.max_level())?;
        }
        model.check_conjugation(ctx.chain(), ctx.max_level())?;
        for (&step, &level) in &plan.transform_rotations() {
            keys.transforms.get(ctx, step, level)?;
        }
        let he = HomomorphicEvaluator::new(eval);
        let (cts_m, stc_m) = plan.matrices();
        let encode = |t: Transform, matrices: &[super::dft::DiagMatrix]| {
            plan.factors(t)
                .iter()
                .zip(matrices)
                .map(|(lt, m)| {
                    lt.diagonal_values(m, ctx.slots())
                        .into_par_iter()
                        .map(|g| {
                            g.iter()
                                .map(|v| hoisted::encode_qp(ctx, v, lt.level, lt.plain_scale))
                                .collect::<Result<Vec<_>>>()
                        })
                        .collect::<Result<Vec<_>>>()
                })
                .collect::<Result<Vec<_>>>()
        };
        let cts = encode(Transform::CoeffsToSlots, &cts_m)?;
        let stc = encode(Transform::SlotsToCoeffs, &stc_m)?;
        let plains = plan.unit_plains(&he, Vec::new(), Vec::new())?;
        Ok(Self { plan, he, keys, plains, cts, stc })
    }

    /// Client side, for tests and in-process experiments: generates exactly the keys the plan
    /// lists from `sk`, then builds the bootstrapper.
    ///
    /// # Errors
    /// As [`Bootstrapper::new`] and [`BootstrapKeys::generate`].
    pub fn generate(sk: &SecretKey, plan: Arc<BootstrapPlan>, prng: &mut Prng) -> Result<Self> {
        let keys = BootstrapKeys::generate(sk, &plan, prng)?;
        Self::new(sk.context(), plan, keys)
    }

    /// Factor `f` of transform `t` on `x`, double-hoisted, then rescaled; or round `f` of the
    /// trace, double-hoisted.
    fn apply(&self, t: Transform, f: usize, x: &Ciphertext) -> Result<Ciphertext> {
        let ctx = self.he.context();
        let diags = match t {
            Transform::CoeffsToSlots => &self.cts[f],
            Transform::SlotsToCoeffs => &self.stc[f],
            Transform::Trace => {
                let steps = &self.plan.trace_rounds()[f];
                return hoisted::rotation_sum(ctx, x, steps, &self.keys.transforms);
            }
        };
        let lt = &self.plan.factors(t)[f];
        let x = if x.level() > lt.level { self.he.drop_level(x, lt.level)? } else { x.clone() };
        let y = hoisted::apply(ctx, &x, lt, diags, &self.keys.transforms)?;
        self.he.rescale(&y)
    }

    /// The plan.
    pub fn plan(&self) -> &Arc<BootstrapPlan> {
        &self.plan
    }

    /// The evaluator the stages run on (it holds the evaluation keys).
    pub fn evaluator(&self) -> &HomomorphicEvaluator {
        &self.he
    }

    /// The key set.
    pub fn keys(&self) -> &BootstrapKeys {
        &self.keys
    }

    /// Bytes of the key material bootstrapping uses: the relinearization key, the Galois keys
    /// of the conjugation and the trace, the transforms' restricted keys and the encapsulation
    /// keys.
    pub fn key_bytes(&self) -> usize {
        let keys = &self.keys.evaluation;
        let ctx = self.he.context();
        let r = self.plan.evaluator_rotations();
        let mut elements: Vec<usize> =
            r.steps.iter().map(|&s| ctx.rotation_galois_element(s as i64)).collect();
        elements.push(ctx.conjugation_galois_element());
        let galois: usize = elements
            .iter()
            .filter_map(|g| keys.galois.keys.get(g))
            .map(|k| k.key.byte_size())
            .sum();
        let relin = keys.relinearization.as_ref().map_or(0, |k| k.byte_size());
        galois + relin + self.keys.transforms.byte_size() + self.keys.encapsulation.byte_size()
    }

    /// Bytes of the encoded constants (the transforms' diagonals over `Q_l P`).
    pub fn constant_bytes(&self) -> usize {
        self.cts.iter().chain(&self.stc).flatten().flatten().map(|p| p.data().len() * 8).sum()
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
        let sparse = self.keys.encapsulation.to_sparse(ctx, &low);
        let raised = mod_raise(ctx, &sparse, ctx.max_level());
        let mut out = self.keys.encapsulation.to_dense(ctx, &raised);
        out.scale = self.plan.raised_scale();
        Ok(out)
    }

    /// Stage 2: the trace (sparse slots), CoeffsToSlots and the real parts: one ciphertext for
    /// sparse slots, two (real and imaginary parts of the coefficients) for full slots.
    ///
    /// # Errors
    /// What the evaluator reports.
    pub fn coeffs_to_slots(&self, raised: &Ciphertext) -> Result<Vec<Ciphertext>> {
        self.plan.coeffs_to_slots(&self.he, raised, &self.plains, &|t, f, x| self.apply(t, f, x))
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
        let out = self
            .plan
            .slots_to_coeffs(&self.he, parts, &self.plains, &|t, f, x| self.apply(t, f, x))?;
        Ok(self.snap(out))
    }

    /// The output's scale is the output level's nominal scale up to the last bit of the
    /// `f64` products that aimed at it: set it to exactly that.
    fn snap(&self, mut out: Ciphertext) -> Ciphertext {
        let nominal = self.plan.chain().scale(out.level());
        debug_assert!(crate::scheme::rules::scales_match(out.scale(), nominal));
        out.scale = nominal;
        out
    }

    /// The four stages: `ct` refreshed to [`BootstrapPlan::output_level`] at its nominal scale.
    ///
    /// # Errors
    /// As the stages.
    pub fn bootstrap(&self, ct: &Ciphertext) -> Result<Ciphertext> {
        let raised = self.mod_raise(ct)?;
        let out = self
            .plan
            .after_raise(&self.he, &raised, &self.plains, &|t, f, x| self.apply(t, f, x))?;
        Ok(self.snap(out))
    }
}
