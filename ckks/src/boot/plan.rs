//! The bootstrapping plan: a configuration resolved against a modulus chain (levels, scales,
//! the transforms' arrangements, the modular reduction, the work of one bootstrap), and the
//! rules every evaluator applies to a bootstrap.

use super::config::BootstrapConfig;
use super::dft::{self, DiagMatrix};
use super::evalmod::ModReduction;
use super::lt::LinearTransform;
use crate::error::{CkksError, ParameterFault, Result};
use crate::eval::{OpCounts, RotationSet, SymbolicEvaluator};
use crate::scheme::rules::Meta;
use crate::scheme::ModulusChain;
use num_complex::Complex64;
use std::f64::consts::PI;

mod checks;
mod stages;
mod summary;
pub(crate) use stages::{Plains, Transform};

/// Levels consumed by each stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StageLevels {
    /// CoeffsToSlots.
    pub coeffs_to_slots: usize,
    /// The modular reduction.
    pub eval_mod: usize,
    /// SlotsToCoeffs.
    pub slots_to_coeffs: usize,
}

impl StageLevels {
    /// All of them.
    pub fn total(&self) -> usize {
        self.coeffs_to_slots + self.eval_mod + self.slots_to_coeffs
    }
}

pub use crate::eval::BootstrapProfile;

/// A [`BootstrapConfig`] resolved against a modulus chain.
#[derive(Clone, Debug, PartialEq)]
pub struct BootstrapPlan {
    config: BootstrapConfig,
    chain: ModulusChain,
    slots: usize,
    period: usize,
    k: f64,
    scale_up: i64,
    rho: f64,
    cts: Vec<LinearTransform>,
    reduction: ModReduction,
    reduced_scale: f64,
    stc: Vec<LinearTransform>,
    trace_steps: Vec<usize>,
    trace_rounds: Vec<Vec<usize>>,
    levels: StageLevels,
    profile: BootstrapProfile,
}

/// How SlotsToCoeffs spreads a change of scale of `log_ratio` bits (negative: down) over its
/// `factors` factors, as `log2(sigma_f / q_f)`. A diagonal's rounding error is absolute, so a
/// factor may lose as many bits as its inputs are small: the first factor's inputs (the
/// reduced values, `2 pi / rho` of the message) take `log_small` more of the drop than the
/// others, which share the rest evenly.
fn stc_scale_shares(log_ratio: f64, factors: usize, log_small: f64) -> Vec<f64> {
    if factors == 1 || log_ratio >= 0.0 {
        return vec![log_ratio / factors as f64; factors];
    }
    // first = rest + log_small, first + (factors - 1) rest = log_ratio.
    let rest = ((log_ratio - log_small) / factors as f64).min(0.0);
    let first = log_ratio - rest * (factors - 1) as f64;
    std::iter::once(first).chain(std::iter::repeat_n(rest, factors - 1)).collect()
}

/// Baby rotations cost about this fraction of a giant one (they share a decomposition).
const BABY_COST: f64 = 0.5;

/// Most doublings of the trace one round takes after CoeffsToSlots. A round of `b` doublings
/// sums `2^b` rotations of one ciphertext, double-hoisted: one decomposition, `2^b - 1` inner
/// products with keys restricted to the round's level, one division by `P`; against `b`
/// rotations one after the other, each a whole key switch. At 256 slots, N = 2^16, the 6
/// doublings after CoeffsToSlots take 3 rounds and 9 keys of 4 digits (6 whole key switches
/// and 6 keys of 5 digits before); 3 doublings a round (14 keys) measured no faster, as each
/// inner product over 4 digits and 29 primes costs about a tenth of a key switch.
pub const TRACE_ROUND_BITS: usize = 2;

/// The trace's rounds after CoeffsToSlots: `doublings` doublings from rotations by `period`,
/// split into as few rounds of at most [`TRACE_ROUND_BITS`] doublings as possible, as even as
/// possible; each round lists its nonzero rotations (the multiples of its base step).
fn trace_rounds(period: usize, doublings: usize) -> Vec<Vec<usize>> {
    let rounds = doublings.div_ceil(TRACE_ROUND_BITS);
    let mut base = period;
    (0..rounds)
        .map(|r| {
            let bits = doublings / rounds + usize::from(r < doublings % rounds);
            let steps = (1..1usize << bits).map(|j| j * base).collect();
            base <<= bits;
            steps
        })
        .collect()
}

impl BootstrapPlan {
    /// Resolves `config` against `chain`.
    ///
    /// # Errors
    /// [`CkksError::BootstrapSlots`] for a slot count that is not a power of two up to `N/2`;
    /// [`CkksError::BootstrapLevels`] when the chain's bootstrapping levels are not exactly the
    /// plan's; [`CkksError::InvalidParameters`] when `q_0` is too small for the message ratio
    /// or a scale does not fit.
    pub fn new(chain: &ModulusChain, config: &BootstrapConfig) -> Result<Self> {
        let half = chain.slots();
        let slots = config.slots.unwrap_or(half);
        if !slots.is_power_of_two() || slots > half {
            return Err(CkksError::BootstrapSlots { slots, max: half });
        }
        let stages = dft::log2(slots);
        let c = config.cts_levels.clamp(1, stages.max(1));
        let s = config.stc_levels.clamp(1, stages.max(1));
        let reduction = config.mod_reduction();
        let levels =
            StageLevels { coeffs_to_slots: c, eval_mod: reduction.depth(), slots_to_coeffs: s };
        if chain.bootstrap_levels() != levels.total() {
            return Err(CkksError::BootstrapLevels {
                needed: levels.total(),
                available: chain.bootstrap_levels(),
                reason: format!(
                    "CoeffsToSlots {c}, the modular reduction {}, SlotsToCoeffs {s}: build the \
                     parameters with BootstrapConfig::prime_bits as bootstrap_prime_bits",
                    levels.eval_mod
                ),
            });
        }
        let top = chain.max_level();
        let q0 = chain.q_primes()[0] as f64;
        let s0 = chain.scale(0);
        let scale_up = (q0 / (2f64.powi(config.log_message_ratio as i32) * s0)).round().max(1.0);
        let rho = q0 / (scale_up * s0);
        if rho < 4.0 * config.input_bound {
            return Err(CkksError::InvalidParameters(ParameterFault::FirstPrimeTooSmall {
                ratio_log2: rho.log2(),
                input_bound: config.input_bound,
            }));
        }
        let period = if slots == half { half } else { 2 * slots };
        let g = chain.n() / (2 * slots);
        // The trace's first doubling (by n) runs before the transforms; the others (by
        // multiples of their period 2n) after them, in rounds.
        let doublings = dft::log2(g);
        let trace_steps = if doublings > 0 { vec![slots] } else { Vec::new() };
        let trace_rounds = trace_rounds(period, doublings.saturating_sub(1));
        let cts =
            Self::factors_offsets(&dft::encoding_stages(slots, period), period, c, slots, true)
                .into_iter()
                .enumerate()
                .map(|(f, offsets)| {
                    let level = top - f;
                    let q = chain.q_primes()[level] as f64;
                    LinearTransform::arrange(&offsets, period, level, q, BABY_COST)
                })
                .collect();
        let mut plan = Self {
            config: config.clone(),
            chain: chain.clone(),
            slots,
            period,
            k: config.k(),
            scale_up: scale_up as i64,
            rho,
            cts,
            reduction,
            reduced_scale: 0.0,
            stc: Vec::new(),
            trace_steps,
            trace_rounds,
            levels,
            profile: BootstrapProfile {
                counts: OpCounts::default(),
                rotations: RotationSet::default(),
            },
        };
        // The reduction's output scale (a symbolic run) fixes the SlotsToCoeffs scales.
        let sym = SymbolicEvaluator::new(chain.clone());
        let em_level = top - c;
        let w = plan.reduction.evaluate(&sym, &Meta::fresh(em_level, q0))?;
        plan.reduced_scale = w.scale;
        let mut scale = w.scale;
        let target = chain.scale(top - levels.total());
        let offsets =
            Self::factors_offsets(&dft::decoding_stages(slots, period), period, s, slots, false);
        let shares = stc_scale_shares((target / scale).log2(), s, (2.0 * PI / rho).log2());
        for (f, offsets) in offsets.into_iter().enumerate() {
            let level = w.level - f;
            let q = chain.q_primes()[level] as f64;
            let sigma = if f + 1 == s { q * target / scale } else { q * shares[f].exp2() };
            if !(sigma.is_finite() && sigma >= 1.0) {
                return Err(CkksError::InvalidParameters(ParameterFault::SlotsToCoeffsScale {
                    from_log2: scale.log2(),
                    to_log2: target.log2(),
                }));
            }
            scale = scale * sigma / q;
            plan.stc.push(LinearTransform::arrange(&offsets, period, level, sigma, BABY_COST));
        }
        plan.profile = plan.measure()?;
        Ok(plan)
    }

    /// The diagonal offsets of the merged factors (structure only: the offsets of a product
    /// are the sums of its factors' offsets; the sparse extras add `n`).
    fn factors_offsets(
        stages: &[DiagMatrix],
        period: usize,
        factors: usize,
        slots: usize,
        encoding: bool,
    ) -> Vec<Vec<usize>> {
        let sizes = dft::group_sizes(stages.len(), factors);
        let mut it = stages.iter();
        sizes
            .iter()
            .enumerate()
            .map(|(f, &size)| {
                let mut set = std::collections::BTreeSet::from([0usize]);
                // SlotsToCoeffs of sparse slots starts with (w_top + i w_bottom) copied to both
                // halves: offsets 0 and n.
                if !encoding && f == 0 && period == 2 * slots {
                    set.insert(slots);
                }
                for st in it.by_ref().take(size) {
                    set = set
                        .iter()
                        .flat_map(|&a| st.diags.keys().map(move |&b| (a + b) % period))
                        .collect();
                }
                set.into_iter().collect()
            })
            .collect()
    }

    /// The factors with their values: CoeffsToSlots (last factor) times `1 / (2 K g)` (the conjugate sum
    /// doubles, the trace multiplies by `g = N / 2n`), rows of the second half times `-i` for
    /// sparse slots; SlotsToCoeffs times `rho / (2 pi)`, after the sparse combination
    /// `(w_top + i w_bottom)` in both halves.
    pub(crate) fn matrices(&self) -> (Vec<DiagMatrix>, Vec<DiagMatrix>) {
        let (n, p) = (self.slots, self.period);
        let sparse = p == 2 * n;
        let g = self.chain.n() / (2 * n);
        let mut cts = dft::merge(&dft::encoding_stages(n, p), p, self.cts.len());
        // The constant goes into the last factor: the diagonals' rounding error is absolute, and
        // the first factor's inputs (the raised slots, about K sqrt(N)) are the largest.
        let last = cts.len() - 1;
        cts[last].scale(Complex64::new(1.0 / (2.0 * self.k * g as f64), 0.0));
        if sparse {
            let d: Vec<Complex64> = (0..p)
                .map(|r| if r < n { Complex64::new(1.0, 0.0) } else { Complex64::new(0.0, -1.0) })
                .collect();
            cts.last_mut().expect("one factor at least").scale_rows(&d);
        }
        let mut stc = dft::merge(&dft::decoding_stages(n, p), p, self.stc.len());
        if sparse {
            let (one, i) = (Complex64::new(1.0, 0.0), Complex64::new(0.0, 1.0));
            let mut combine = DiagMatrix { period: p, diags: Default::default() };
            combine.diags.insert(0, (0..p).map(|r| if r < n { one } else { i }).collect());
            combine.diags.insert(n, (0..p).map(|r| if r < n { i } else { one }).collect());
            stc[0] = stc[0].mul(&combine);
        }
        stc[0].scale(Complex64::new(self.rho / (2.0 * PI), 0.0));
        (cts, stc)
    }

    // ----- accessors -----------------------------------------------------------------

    /// The configuration.
    pub fn config(&self) -> &BootstrapConfig {
        &self.config
    }

    /// The chain it was resolved against.
    pub fn chain(&self) -> &ModulusChain {
        &self.chain
    }

    /// Slots bootstrapped.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Whether all `N/2` slots are bootstrapped (two modular reductions).
    pub fn is_full(&self) -> bool {
        self.slots == self.chain.slots()
    }

    /// The level bootstrapping leaves its output at (the top circuit level).
    pub fn output_level(&self) -> usize {
        self.chain.max_level() - self.levels.total()
    }

    /// Levels consumed per stage.
    pub fn levels(&self) -> StageLevels {
        self.levels
    }

    /// The interval half-width `K` of the modular reduction.
    pub fn k(&self) -> f64 {
        self.k
    }

    /// The integer a level-0 input is multiplied by (no level) to bring `q_0 / scale` near
    /// `2^log_message_ratio`.
    pub fn scale_up(&self) -> i64 {
        self.scale_up
    }

    /// The message ratio `rho = q_0 / (scale_up s_0)`: a slot value `z` is `z / rho` of `q_0`
    /// during the modular reduction.
    pub fn message_ratio(&self) -> f64 {
        self.rho
    }

    /// The scale given to the raised ciphertext: `q_0` (its slots hold coefficients over `q_0`).
    pub fn raised_scale(&self) -> f64 {
        self.chain.q_primes()[0] as f64
    }

    /// The level of the modular reduction's input (CoeffsToSlots' output).
    pub fn reduction_level(&self) -> usize {
        self.chain.max_level() - self.levels.coeffs_to_slots
    }

    /// The level and scale of the modular reduction's output (SlotsToCoeffs' input).
    pub fn reduced(&self) -> (usize, f64) {
        (self.reduction_level() - self.levels.eval_mod, self.reduced_scale)
    }

    /// The modular reduction.
    pub fn reduction(&self) -> &ModReduction {
        &self.reduction
    }

    /// The CoeffsToSlots and SlotsToCoeffs factors, arranged.
    pub fn transforms(&self) -> (&[LinearTransform], &[LinearTransform]) {
        (&self.cts, &self.stc)
    }

    /// The rotations of the trace (sparse slots) that run one at a time before the transforms
    /// (its first doubling, by `n`), with the evaluation keys.
    pub fn trace_steps(&self) -> &[usize] {
        &self.trace_steps
    }

    /// The trace's rounds after CoeffsToSlots (sparse slots): each round adds to its input its
    /// rotations by these steps, double-hoisted, with keys restricted to the round's level
    /// ([`BootstrapPlan::reduction_level`]); see [`TRACE_ROUND_BITS`].
    pub fn trace_rounds(&self) -> &[Vec<usize>] {
        &self.trace_rounds
    }

    /// The work of one bootstrap.
    pub fn profile(&self) -> &BootstrapProfile {
        &self.profile
    }

    /// The rotation steps (the trace's) and conjugation whose Galois keys the evaluation key
    /// set must hold ([`BootstrapProfile::rotations`]).
    pub fn rotations(&self) -> &RotationSet {
        &self.profile.rotations
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ParametersLiteral;

    /// The rounds' rotations sum to every multiple of the period below its `2^doublings`-fold,
    /// each exactly once (one step, or none, per round): the rounds compose to the trace.
    #[test]
    fn trace_rounds_cover_every_multiple_of_the_period_once() {
        for doublings in 0..=9 {
            let period = 8;
            let rounds = trace_rounds(period, doublings);
            assert_eq!(rounds.len(), doublings.div_ceil(TRACE_ROUND_BITS));
            assert!(rounds.iter().all(|r| r.len() < 1 << TRACE_ROUND_BITS));
            let mut sums = vec![0usize];
            for r in &rounds {
                sums = sums
                    .iter()
                    .flat_map(|&a| std::iter::once(a).chain(r.iter().map(move |&b| a + b)))
                    .collect();
            }
            sums.sort_unstable();
            let want: Vec<usize> = (0..1 << doublings).map(|j| j * period).collect();
            assert_eq!(sums, want, "{doublings} doublings");
        }
    }

    #[test]
    fn factor_matrices_compose_to_the_embedding() {
        for slots in [None, Some(8)] {
            let config = BootstrapConfig {
                slots,
                cts_levels: 2,
                stc_levels: 2,
                ..BootstrapConfig::default()
            };
            let mut lit = ParametersLiteral::with_levels(8, 1, 60, 40, 61, 1);
            lit.bootstrap_prime_bits = config.prime_bits(60, 8);
            let chain = ModulusChain::from_literal(&lit).unwrap();
            let plan = BootstrapPlan::new(&chain, &config).unwrap();
            let (cts, stc) = plan.matrices();
            let (n, p) = (plan.slots, plan.period);
            let mut prng = crate::Prng::from_u64_seed(2);
            let mut f = || (prng.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0;
            let u: Vec<Complex64> = (0..n).map(|_| Complex64::new(f(), f())).collect();
            let z =
                dft::decoding_stages(n, n).iter().fold(dft::bit_reversed(&u), |v, s| s.apply(&v));
            // StC of the real and imaginary parts (sparse: side by side) gives z rho / 2 pi.
            let k = plan.rho / (2.0 * PI);
            let input: Vec<Complex64> = if p == 2 * n {
                u.iter()
                    .map(|x| Complex64::new(x.re, 0.0))
                    .chain(u.iter().map(|x| Complex64::new(x.im, 0.0)))
                    .collect()
            } else {
                u.clone()
            };
            let input = if p == 2 * n {
                let b = dft::bit_reversed(&u);
                b.iter()
                    .map(|x| Complex64::new(x.re, 0.0))
                    .chain(b.iter().map(|x| Complex64::new(x.im, 0.0)))
                    .collect()
            } else {
                dft::bit_reversed(&input)
            };
            let out = stc.iter().fold(input, |v, m| m.apply(&v));
            for r in 0..p {
                assert!(
                    (out[r] - z[r % n] * k).norm() < 1e-9 * k,
                    "StC slot {r}: {} vs {}",
                    out[r],
                    z[r % n] * k
                );
            }
            // CtS: from z (repeated to the period) back to the packed coefficients / 2K g.
            let zz: Vec<Complex64> = (0..p).map(|r| z[r % n]).collect();
            let back = cts.iter().fold(zz, |v, m| m.apply(&v));
            let g = chain.n() / (2 * n);
            let c = 1.0 / (2.0 * plan.k * g as f64);
            let b = dft::bit_reversed(&u);
            for r in 0..p {
                let want = if r < n { b[r] } else { b[r - n] * Complex64::new(0.0, -1.0) } * c;
                assert!((back[r] - want).norm() < 1e-12, "CtS slot {r}");
            }
        }
    }
}
