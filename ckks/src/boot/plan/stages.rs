//! The stages of bootstrapping, written once against the evaluator interface: the symbolic
//! run that measures a plan, the plaintext-level stage tests and the encrypted bootstrapper
//! (which evaluates the transforms' factors its own way) all go through them.

use super::BootstrapPlan;
use super::BootstrapProfile;
use crate::boot::lt::LinearTransform;
use crate::error::{CkksError, ParameterFault, Result};
use crate::eval::{CkksEvaluator, Counter, Observed, RotationSet, Rotations, SymbolicEvaluator};
use crate::scheme::rules::Meta;
use num_complex::Complex64;
use rayon::prelude::*;

/// One of the linear maps of the stages: the two transforms, whose steps are their factors,
/// and the trace after CoeffsToSlots (sparse slots), whose steps are its rounds
/// ([`BootstrapPlan::trace_rounds`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transform {
    CoeffsToSlots,
    SlotsToCoeffs,
    Trace,
}

/// How the stages evaluate step `f` of a linear map (a factor, or a round of the trace).
pub(crate) type Apply<'a, E> = dyn Fn(Transform, usize, &<E as CkksEvaluator>::Value) -> Result<<E as CkksEvaluator>::Value>
    + 'a;

/// The encoded constants of one plan for one evaluator: the transforms' diagonals and the
/// plaintexts `-i` and `i` (scale 1, exact).
#[derive(Clone, Debug)]
pub struct Plains<P> {
    pub(crate) cts: Vec<Vec<Vec<P>>>,
    pub(crate) stc: Vec<Vec<Vec<P>>>,
    pub(crate) minus_i: P,
    pub(crate) plus_i: Option<P>,
}

impl BootstrapPlan {
    /// Encodes the constants of the stages with `e` (the encrypted bootstrapper encodes its
    /// diagonals over `Q_l P` instead).
    ///
    /// # Errors
    /// What the encoder reports.
    #[cfg(test)]
    pub(crate) fn encode<E: CkksEvaluator>(&self, e: &E) -> Result<Plains<E::Plain>> {
        let (cts_m, stc_m) = self.matrices();
        let cts =
            self.cts.iter().zip(&cts_m).map(|(lt, m)| lt.encode(e, m)).collect::<Result<_>>()?;
        let stc =
            self.stc.iter().zip(&stc_m).map(|(lt, m)| lt.encode(e, m)).collect::<Result<_>>()?;
        self.unit_plains(e, cts, stc)
    }

    pub(crate) fn unit_plains<E: CkksEvaluator>(
        &self,
        e: &E,
        cts: Vec<Vec<Vec<E::Plain>>>,
        stc: Vec<Vec<Vec<E::Plain>>>,
    ) -> Result<Plains<E::Plain>> {
        let unit = |z: Complex64, level: usize| e.encode_complex(&vec![z; e.slots()], level, 1.0);
        let em_level = self.chain.max_level() - self.levels.coeffs_to_slots;
        let minus_i = unit(Complex64::new(0.0, -1.0), em_level)?;
        let plus_i = if self.is_full() {
            Some(unit(Complex64::new(0.0, 1.0), em_level - self.levels.eval_mod)?)
        } else {
            None
        };
        Ok(Plains { cts, stc, minus_i, plus_i })
    }

    /// Plaintexts of the right levels and scales for a symbolic evaluator (no values).
    pub(crate) fn symbolic_plains<E: CkksEvaluator<Plain = Meta>>(
        &self,
        e: &E,
    ) -> Result<Plains<Meta>> {
        let metas = |lts: &[LinearTransform]| {
            lts.iter()
                .map(|lt| {
                    lt.giants
                        .iter()
                        .map(|g| vec![Meta::plain(lt.level, lt.plain_scale); g.terms.len()])
                        .collect()
                })
                .collect()
        };
        self.unit_plains(e, metas(&self.cts), metas(&self.stc))
    }

    /// Counts the stages on a symbolic run.
    pub(super) fn measure(&self) -> Result<BootstrapProfile> {
        let obs = Observed::with_observer(
            SymbolicEvaluator::new(self.chain.clone()),
            (Counter::default(), Rotations::default()),
        );
        let plains = self.symbolic_plains(obs.inner())?;
        let raised = Meta::fresh(self.chain.max_level(), self.raised_scale());
        let out = self.after_raise(&obs, &raised, &plains, &self.generic(&obs, &plains))?;
        debug_assert_eq!(out.level, self.output_level());
        let (_, (counter, rotations)) = obs.into_parts();
        let mut counts = counter.counts();
        counts.encapsulations += 2;
        // Every rotation the stages made is either the evaluator's or a transform's.
        let evaluator = self.evaluator_rotations();
        let transforms = self.transform_rotations();
        debug_assert!(rotations
            .set()
            .steps
            .iter()
            .all(|s| evaluator.steps.contains(s) || transforms.contains_key(s)));
        Ok(BootstrapProfile { counts, rotations: evaluator })
    }

    // ----- the stages, against the evaluator interface ---------------------------------

    /// The trace's first doubling onto the subring of the sparse slots, `x + rot_n(x)` (nothing
    /// for full slots), before the transforms; the other doublings (by `2n`, `4n`, ..., up to
    /// `N/4`) are [`BootstrapPlan::trace_round`]s after them.
    ///
    /// The CoeffsToSlots diagonals repeat with period `2n`, so a rotation by a multiple of `2n`
    /// commutes with every factor (and with the conjugation): those doublings run after the
    /// transforms, on one ciphertext `cts_levels` levels lower, where a key switch is cheaper
    /// (at N = 2^16, 256 slots: 6 of the 7 doublings at 23 limbs and 4 digits instead of 27
    /// and 5), and grouped in rounds of hoisted rotations. The signal then adds up over the
    /// rotations while the transforms' rounding errors add up as independent terms:
    /// `log2(N / 4n) / 2` bits of their precision, far below the reduction's error.
    ///
    /// # Errors
    /// What the evaluator reports (missing rotation keys).
    pub(crate) fn trace_first<E: CkksEvaluator>(&self, e: &E, x: &E::Value) -> Result<E::Value> {
        self.trace_steps
            .iter()
            .try_fold(x.clone(), |acc, &k| e.add(&acc, &e.rotate(&acc, k as i64)?))
    }

    /// Round `r` of the trace after CoeffsToSlots: `x` plus its rotations by the round's steps,
    /// hoisted ([`BootstrapPlan::trace_rounds`]).
    ///
    /// # Errors
    /// What the evaluator reports (missing rotation keys).
    pub(crate) fn trace_round<E: CkksEvaluator>(
        &self,
        e: &E,
        x: &E::Value,
        r: usize,
    ) -> Result<E::Value> {
        let steps: Vec<i64> = self.trace_rounds[r].iter().map(|&s| s as i64).collect();
        e.rotate_hoisted(x, &steps)?.iter().try_fold(x.clone(), |acc, y| e.add(&acc, y))
    }

    /// CoeffsToSlots on the raised ciphertext, then the real parts: one value for sparse
    /// slots (real and imaginary parts of the coefficients side by side, traced onto the
    /// subring: [`BootstrapPlan::trace_first`] before the transforms, the rounds of
    /// [`BootstrapPlan::trace_round`] after them, through `apply`), two for full slots. Slots
    /// hold `x / K`, `x = (raised coefficient) / q_0`, in bit-reversed order.
    ///
    /// # Errors
    /// What the evaluator reports.
    pub(crate) fn coeffs_to_slots<E: CkksEvaluator>(
        &self,
        e: &E,
        x: &E::Value,
        plains: &Plains<E::Plain>,
        apply: &Apply<'_, E>,
    ) -> Result<Vec<E::Value>> {
        let x = self.trace_first(e, x)?;
        let y = (0..self.cts.len()).try_fold(x, |v, f| apply(Transform::CoeffsToSlots, f, &v))?;
        let conj = e.conjugate(&y)?;
        let re = e.add(&y, &conj)?;
        if !self.is_full() {
            let traced =
                (0..self.trace_rounds.len()).try_fold(re, |v, r| apply(Transform::Trace, r, &v))?;
            return Ok(vec![traced]);
        }
        let im = e.mul_plain(&e.sub(&y, &conj)?, &plains.minus_i)?;
        Ok(vec![re, im])
    }

    /// The modular reduction of one CoeffsToSlots output: slots `sin(2 pi x)`.
    ///
    /// # Errors
    /// What the evaluator reports.
    pub(crate) fn eval_mod<E: CkksEvaluator>(&self, e: &E, x: &E::Value) -> Result<E::Value> {
        self.reduction.evaluate(e, x)
    }

    /// SlotsToCoeffs of the reduced values (one or two): the message, at the output level and
    /// its nominal scale.
    ///
    /// # Errors
    /// What the evaluator reports.
    pub(crate) fn slots_to_coeffs<E: CkksEvaluator>(
        &self,
        e: &E,
        parts: &[E::Value],
        plains: &Plains<E::Plain>,
        apply: &Apply<'_, E>,
    ) -> Result<E::Value> {
        let x = match (parts, &plains.plus_i) {
            ([re, im], Some(i)) => e.add(re, &e.mul_plain(im, i)?)?,
            ([x], _) => x.clone(),
            _ => {
                return Err(CkksError::InvalidParameters(ParameterFault::SlotsToCoeffsParts {
                    given: parts.len(),
                }))
            }
        };
        (0..self.stc.len()).try_fold(x, |v, f| apply(Transform::SlotsToCoeffs, f, &v))
    }

    /// Every stage after the modulus raise.
    ///
    /// # Errors
    /// What the evaluator reports.
    pub(crate) fn after_raise<E: CkksEvaluator>(
        &self,
        e: &E,
        raised: &E::Value,
        plains: &Plains<E::Plain>,
        apply: &Apply<'_, E>,
    ) -> Result<E::Value> {
        let parts = self.coeffs_to_slots(e, raised, plains, apply)?;
        // The two reductions of full slots are independent: one per thread when there are two.
        let reduced = parts.par_iter().map(|p| self.eval_mod(e, p)).collect::<Result<Vec<_>>>()?;
        self.slots_to_coeffs(e, &reduced, plains, apply)
    }

    /// The transforms evaluated against the evaluator interface with the encoded diagonals of
    /// `plains` ([`LinearTransform::apply`]).
    pub(crate) fn generic<'a, E: CkksEvaluator>(
        &'a self,
        e: &'a E,
        plains: &'a Plains<E::Plain>,
    ) -> impl Fn(Transform, usize, &E::Value) -> Result<E::Value> + 'a {
        move |t, f, v| match t {
            Transform::CoeffsToSlots => self.cts[f].apply(e, v, &plains.cts[f]),
            Transform::SlotsToCoeffs => self.stc[f].apply(e, v, &plains.stc[f]),
            Transform::Trace => self.trace_round(e, v, f),
        }
    }

    /// The transform `t`'s factors, arranged (none for the trace).
    pub(crate) fn factors(&self, t: Transform) -> &[LinearTransform] {
        match t {
            Transform::CoeffsToSlots => &self.cts,
            Transform::SlotsToCoeffs => &self.stc,
            Transform::Trace => &[],
        }
    }

    /// The rotations of the linear transforms and of the trace's rounds, each with the highest
    /// level it is used at: the bootstrapper's own keys ([`crate::boot::TransformKeys`]),
    /// restricted to those levels.
    pub fn transform_rotations(&self) -> std::collections::BTreeMap<usize, usize> {
        let mut out = std::collections::BTreeMap::new();
        let factors = self
            .cts
            .iter()
            .chain(&self.stc)
            .flat_map(|lt| lt.rotations().into_iter().map(move |s| (s, lt.level)));
        let rounds = self.trace_rounds.iter().flatten().map(|&s| (s, self.reduction_level()));
        for (s, level) in factors.chain(rounds) {
            let l = out.entry(s).or_insert(level);
            *l = (*l).max(level);
        }
        out
    }

    /// The rotations (the trace's first doubling) and conjugation the evaluation keys must
    /// cover, besides the relinearization key.
    pub fn evaluator_rotations(&self) -> RotationSet {
        RotationSet { steps: self.trace_steps.iter().copied().collect(), conjugation: true }
    }
}
