//! The choice: the analysis runs and the search over ring degrees, scales and digit counts
//! (see the module docs of [`crate::auto`]).

use super::{AutoOptions, AutoParameters, KeySet};
use crate::boot::{sse, BootstrapPlan};
use crate::error::{CkksError, ParameterFault, Result, RingRefusal};
use crate::eval::{
    Circuit, CkksEvaluator, Counter, Depth, Observed, PlaintextEvaluator, Rotations,
    ScaleEstimator, SymbolicEvaluator,
};
use crate::math::simd::FAST_PRIME_BITS;
use crate::math::Prng;
use crate::scheme::{max_log_qp_128, Context, ModulusChain, ParametersLiteral, Security};
use std::sync::Arc;

type Analysis = Observed<SymbolicEvaluator, (Depth, Counter, Rotations)>;

fn analyse<C: Circuit>(
    circuit: &C,
    chain: ModulusChain,
    plan: Option<&Arc<BootstrapPlan>>,
) -> Result<Analysis> {
    let mut sym = SymbolicEvaluator::new(chain);
    if let Some(plan) = plan {
        sym = sym.with_bootstrap(plan.clone())?;
    }
    let a = Observed::with_observer(sym, Default::default());
    circuit.run(&a)?;
    Ok(a)
}

/// The levels a run consumed below the top circuit level (the deepest segment's, when every
/// segment starts there).
fn circuit_levels(a: &Analysis) -> usize {
    let chain = a.inner().chain();
    let lowest = a.observer().0.lowest_level().unwrap_or(chain.max_level());
    chain.circuit_top().saturating_sub(lowest)
}

/// The analysis chain of ring `log_n`: tall, and with the bootstrapping primes of `boot` above.
fn analysis_chain(
    log_n: u32,
    options: &AutoOptions,
) -> Result<(ModulusChain, Option<Arc<BootstrapPlan>>)> {
    let chain = ModulusChain::analysis(log_n, options.analysis_levels, 40)?;
    let Some(config) = &options.bootstrap else { return Ok((chain, None)) };
    let mut literal = ParametersLiteral::with_levels(log_n, options.analysis_levels, 60, 40, 60, 1);
    literal.bootstrap_prime_bits = config.prime_bits(60, log_n);
    literal.special_prime_bits = vec![60];
    let chain = ModulusChain::from_literal(&literal)?;
    let plan = Arc::new(BootstrapPlan::new(&chain, config)?);
    Ok((chain, Some(plan)))
}

/// Chooses parameters for `circuit` (see the module docs).
///
/// # Errors
/// [`CkksError::InvalidParameters`] when no ring up to `max_log_n` fits, or when the values
/// are too large for even the smallest allowed scale; any error the circuit itself raises
/// (other than [`CkksError::TooManyValues`], which moves on to a larger ring).
pub fn choose_parameters<C: Circuit>(circuit: &C, options: &AutoOptions) -> Result<AutoParameters> {
    let mut last_reason = RingRefusal::EmptyRange;
    for log_n in options.min_log_n..=options.max_log_n {
        if options.bootstrap.is_some()
            && options.security == Security::HeStandard128
            && log_n < sse::MIN_LOG_N
        {
            last_reason = RingRefusal::EphemeralSecret { min_log_n: sse::MIN_LOG_N };
            continue;
        }
        let (analysis_chain, analysis_plan) = analysis_chain(log_n, options)?;
        let analysis = match analyse(circuit, analysis_chain.clone(), analysis_plan.as_ref()) {
            Err(CkksError::TooManyValues { given, slots }) => {
                last_reason = RingRefusal::TooFewSlots { log_n, given, slots };
                continue;
            }
            other => other?,
        };
        let levels = circuit_levels(&analysis);
        let boot_bits: u32 =
            options.bootstrap.as_ref().map_or(0, |c| c.prime_bits(60, log_n).iter().sum());
        // Skip the plaintext run where even the smallest scale cannot fit: levels + 1 primes and
        // at least one special prime, all at least min_log_scale bits wide.
        if options.security == Security::HeStandard128 {
            let floor = ((levels + 2) as u32 * options.min_log_scale + boot_bits) as f64;
            if floor > max_log_qp_128(log_n).map(f64::from).unwrap_or(0.0) {
                last_reason = RingRefusal::Levels { log_n, levels };
                continue;
            }
        }
        let mut plain = PlaintextEvaluator::new(analysis_chain);
        if let Some(plan) = &analysis_plan {
            plain = plain.with_bootstrap(plan.clone())?;
        }
        let scale = ScaleEstimator::wrap(plain);
        circuit.run(&scale)?;
        let estimate = scale.estimate(options.margin_bits);
        debug_assert_eq!(estimate.levels, levels);
        // Bootstrapping fixes q_0 at the modular reduction's 60 bits.
        let max_first = if options.bootstrap.is_some() { 60 } else { options.max_first_prime_bits };
        let max_b = estimate.max_log_scale(max_first, options.min_log_scale, 60).ok_or(
            CkksError::InvalidParameters(ParameterFault::ValuesTooLarge {
                max_magnitude: estimate.max_magnitude,
                first_prime_bits: max_first,
                min_log_scale: options.min_log_scale,
            }),
        )?;
        let b = max_b.min(options.max_log_scale);
        let mut first = (estimate.required_first_prime_bits(b).ceil() as u32).max(b + 1);
        first = first.max(crate::scheme::params::MIN_PRIME_BITS.max(log_n + 2));
        let firsts: Vec<u32> = match options.bootstrap {
            Some(_) => vec![60],
            None => [first, first + 1].into_iter().filter(|&f| f <= 61).collect(),
        };
        // Prime widths are nominal: try one more bit if the real primes fall short.
        for first in firsts {
            let context = match &options.bootstrap {
                Some(config) => config
                    .parameters(log_n, levels, first, b, options.security)
                    .and_then(|l| l.build())
                    .ok()
                    .filter(|ctx| sse::check_security(ctx, config.hamming_weight).is_ok()),
                None => fit_digits(log_n, levels, first, b, options)?,
            };
            let Some(context) = context else {
                last_reason = RingRefusal::ScaledLevels { log_n, levels, log_scale: b };
                continue;
            };
            if estimate.check_chain(context.chain()).is_err() {
                continue;
            }
            let plan = match &options.bootstrap {
                Some(config) => Some(Arc::new(BootstrapPlan::new(context.chain(), config)?)),
                None => None,
            };
            // The circuit must run on the real chain as on the analysis chain; this run's
            // counts have the real levels (input sizes).
            let real = analyse(circuit, context.chain().clone(), plan.as_ref())?;
            let (_, counter, rotations) = real.observer();
            if circuit_levels(&real) != levels {
                return Err(CkksError::InvalidParameters(ParameterFault::DepthMismatch {
                    analysis: levels,
                    chosen: circuit_levels(&real),
                }));
            }
            return Ok(AutoParameters {
                context,
                depth: levels,
                counts: counter.counts(),
                rotations: rotations.set(),
                scale_estimate: estimate,
                max_log_scale: max_b,
                options: options.clone(),
                bootstrap: plan,
            });
        }
    }
    Err(CkksError::InvalidParameters(ParameterFault::NoRingFits {
        max_log_n: options.max_log_n,
        reason: last_reason,
    }))
}

/// [`choose_parameters`] then [`AutoParameters::generate_keys`]: from a circuit to everything
/// an encrypted run needs, in one call.
///
/// # Errors
/// As [`choose_parameters`].
pub fn prepare<C: Circuit>(
    circuit: &C,
    options: &AutoOptions,
    prng: &mut Prng,
) -> Result<(AutoParameters, KeySet)> {
    let params = choose_parameters(circuit, options)?;
    let keys = params.generate_keys(prng);
    Ok((params, keys))
}

/// The context of smallest `dnum` whose `log2(QP)` fits the bound, if any. The special
/// primes are sized to the largest digit (as few primes as the width limit allows), since key
/// switching needs `P` about as large as a digit and no larger: at each `dnum` primes of at
/// most [`FAST_PRIME_BITS`] first (more of them, but every NTT and base conversion on them
/// takes the fast kernels), then as wide as [`AutoOptions::max_special_prime_bits`] allows.
fn fit_digits(
    log_n: u32,
    levels: usize,
    first: u32,
    log_scale: u32,
    options: &AutoOptions,
) -> Result<Option<Context>> {
    let bound = match options.security {
        Security::HeStandard128 => max_log_qp_128(log_n).map(f64::from).unwrap_or(0.0),
        Security::InsecureToyParameters => f64::INFINITY,
    };
    let min_bits = crate::scheme::params::MIN_PRIME_BITS.max(log_n + 2);
    let max_special = options.max_special_prime_bits.max(min_bits);
    // The fast kernels' width first where it is narrower than the widest allowed.
    let caps: &[u32] = if max_special > FAST_PRIME_BITS {
        &[FAST_PRIME_BITS, max_special]
    } else {
        &[max_special]
    };
    for (dnum, cap) in (1..=levels + 1).flat_map(|d| caps.iter().map(move |&c| (d, c))) {
        let alpha = (levels + 1).div_ceil(dnum);
        let digit_bits = first + (alpha as u32 - 1) * log_scale;
        let k = digit_bits.div_ceil(cap);
        let width = digit_bits.div_ceil(k).clamp(min_bits, cap);
        let nominal = (first + levels as u32 * log_scale + k * width) as f64;
        if nominal > bound + 1.0 {
            continue;
        }
        for width in [width, width + 1].into_iter().filter(|&w| w <= cap) {
            let literal = ParametersLiteral {
                log_n,
                first_prime_bits: first,
                data_prime_bits: vec![log_scale; levels],
                bootstrap_prime_bits: Vec::new(),
                special_prime_bits: vec![width; k as usize],
                log_scale,
                dnum,
                security: options.security,
            };
            // The primes alone decide the bound; only a fitting literal gets its tables built.
            if ModulusChain::from_literal(&literal)?.log_qp() <= bound {
                if let Ok(context) = literal.build() {
                    return Ok(Some(context));
                }
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chains of `reproduce`'s two circuits (baseline: `N = 2^16`, 30 levels, a 42-bit
    /// `q_0`; low-depth: `N = 2^15`, 14 levels, 41 bits): three digits each, and special primes
    /// of the fast kernels' width whose product covers every digit.
    #[test]
    fn special_primes_take_the_fast_kernels_where_they_fit() {
        for (log_n, levels, first, count) in [(16, 30, 42, 9), (15, 14, 41, 4)] {
            let ctx =
                fit_digits(log_n, levels, first, 40, &AutoOptions::default()).unwrap().unwrap();
            let log2 = |ps: &[u64]| ps.iter().map(|&p| (p as f64).log2()).sum::<f64>();
            let special = ctx.special_primes();
            assert_eq!((ctx.dnum(), special.len()), (3, count), "N = 2^{log_n}");
            assert!(special.iter().all(|&p| p < 1 << FAST_PRIME_BITS));
            let q = ctx.q_primes();
            let widest_digit = q.chunks(q.len().div_ceil(3)).map(log2).fold(0.0, f64::max);
            assert!(log2(&special) >= widest_digit, "N = 2^{log_n}: P below a digit");
            let bound = max_log_qp_128(log_n).map(f64::from).unwrap();
            assert!(ctx.chain().log_qp() <= bound);
        }
    }
}
