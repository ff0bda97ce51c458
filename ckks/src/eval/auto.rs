//! Automatic parameters: from a circuit to a parameter set and keys.
//!
//! [`choose_parameters`] runs the circuit under the depth finder, the op counter and the
//! rotation collector (one symbolic run) and under the scale estimator (one plaintext run), for
//! each ring degree from the smallest up, and returns the first parameter set that fits:
//!
//! 1. depth `d`: the number of data primes;
//! 2. log scale `b`: the largest the estimator allows, capped at
//!    [`AutoOptions::max_log_scale`] (precision beyond that costs modulus without need);
//! 3. first prime: the width the estimator requires at `b` (the output and every low-level
//!    value must fit in `q_0`);
//! 4. ring degree and digits: the smallest `N` (with enough slots for the circuit) and then the
//!    smallest `dnum` whose `log2(QP)`, special primes included, is within the HE standard's
//!    128-bit bound.
//!
//! The choice is then checked on the real chain (the circuit runs symbolically without error,
//! every recorded magnitude fits) and explained by [`AutoParameters::summary`].
//!
//! With [`AutoOptions::bootstrap`], the circuit may call [`CkksEvaluator::bootstrap`]: the
//! analysis chain carries the bootstrapping primes above its circuit levels, the depth is the
//! deepest segment's (levels below the top circuit level, where bootstraps leave their output),
//! `q_0` is the modular reduction's 60-bit prime, the chain is the circuit's levels plus the
//! bootstrapping levels ([`BootstrapConfig::parameters`]), and the keys include the
//! bootstrapping key set.
//!
//! Circuits should address levels relative to [`CkksEvaluator::max_level`] (or to their
//! inputs' levels): the analysis runs on a tall chain and the real one has exactly the levels
//! the circuit consumes.

use super::{
    CkksEvaluator, Counter, Depth, HomomorphicEvaluator, Observed, OpCounts, PlaintextEvaluator,
    RotationSet, Rotations, ScaleEstimate, ScaleEstimator, SymbolicEvaluator,
};
use crate::boot::{sse, BootstrapConfig, BootstrapKeys, BootstrapPlan, Bootstrapper};
use crate::error::{CkksError, ParameterFault, Result, RingRefusal};
use crate::math::Prng;
use crate::scheme::{
    max_log_qp_128, Context, EvaluationKeys, Evaluator, ModulusChain, ParametersLiteral, PublicKey,
    SecretKey, Security,
};
use std::sync::Arc;

/// A circuit: a computation written once against [`CkksEvaluator`], inputs included (it
/// encrypts or encodes them itself, laid out for [`CkksEvaluator::slots`]).
pub trait Circuit: Sync {
    /// What a run returns, for evaluator `E`.
    type Output<E: CkksEvaluator>;

    /// Runs the circuit on `e`.
    ///
    /// # Errors
    /// Whatever the evaluator reports; [`CkksError::TooManyValues`] tells
    /// [`choose_parameters`] to try a larger ring.
    fn run<E: CkksEvaluator>(&self, e: &E) -> Result<Self::Output<E>>;
}

/// Options of [`choose_parameters`].
#[derive(Clone, Debug, PartialEq)]
pub struct AutoOptions {
    /// Smallest `log2 N` to try.
    pub min_log_n: u32,
    /// Largest `log2 N` to try.
    pub max_log_n: u32,
    /// Upper bound on the log scale (the precision target).
    pub max_log_scale: u32,
    /// Lower bound on the log scale: below it the circuit is refused.
    pub min_log_scale: u32,
    /// Largest width of the first prime.
    pub max_first_prime_bits: u32,
    /// Largest width of a special prime (they are sized to the key-switching digits).
    pub max_special_prime_bits: u32,
    /// Headroom (bits) above every magnitude seen in the plaintext run.
    pub margin_bits: f64,
    /// Levels of the analysis chain (an upper bound on the depth).
    pub analysis_levels: usize,
    /// Security check: [`Security::InsecureToyParameters`] takes the smallest ring that has
    /// enough slots, whatever the modulus (tests only).
    pub security: Security,
    /// Bootstrapping, for circuits that call [`CkksEvaluator::bootstrap`].
    pub bootstrap: Option<BootstrapConfig>,
}

impl Default for AutoOptions {
    fn default() -> Self {
        Self {
            min_log_n: 10,
            max_log_n: 17,
            max_log_scale: 40,
            min_log_scale: 20,
            max_first_prime_bits: 60,
            max_special_prime_bits: 60,
            margin_bits: 2.0,
            analysis_levels: 60,
            security: Security::HeStandard128,
            bootstrap: None,
        }
    }
}

impl AutoOptions {
    /// Insecure toy parameters at exactly `N = 2^log_n` (for tests).
    pub fn insecure_toy_ring(log_n: u32) -> Self {
        Self {
            min_log_n: log_n,
            max_log_n: log_n,
            security: Security::InsecureToyParameters,
            ..Self::default()
        }
    }
}

/// The parameters chosen for a circuit, with the analysis that led to them.
#[derive(Clone, Debug)]
pub struct AutoParameters {
    /// The context built from the chosen literal.
    pub context: Context,
    /// The multiplicative depth (levels consumed).
    pub depth: usize,
    /// Operation counts of one run.
    pub counts: OpCounts,
    /// Rotation steps and conjugation: the Galois keys to generate.
    pub rotations: RotationSet,
    /// The scale estimate from the plaintext run.
    pub scale_estimate: ScaleEstimate,
    /// The largest log scale the estimate allows with the widest first prime.
    pub max_log_scale: u32,
    /// The options used.
    pub options: AutoOptions,
    /// The bootstrapping plan on the chosen chain, with [`AutoOptions::bootstrap`].
    pub bootstrap: Option<Arc<BootstrapPlan>>,
}

/// Keys for an automatically parametrised circuit.
pub struct KeySet {
    /// The secret key (client only).
    pub secret_key: Arc<SecretKey>,
    /// The public encryption key.
    pub public_key: PublicKey,
    /// Relinearization key (if the circuit multiplies ciphertexts) and exactly the Galois keys
    /// of its rotations, shared (an [`Evaluator`] takes the `Arc` without copying the keys).
    pub evaluation_keys: Arc<EvaluationKeys>,
    /// The bootstrapping key set (its evaluation keys are `evaluation_keys`), with
    /// [`AutoOptions::bootstrap`].
    pub bootstrap: Option<BootstrapKeys>,
}

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
        let max_b =
            estimate.max_log_scale(max_first, options.min_log_scale, 60).ok_or_else(|| {
                CkksError::InvalidParameters(ParameterFault::ValuesTooLarge {
                    max_magnitude: estimate.max_magnitude,
                    first_prime_bits: max_first,
                    min_log_scale: options.min_log_scale,
                })
            })?;
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
/// switching needs `P` about as large as a digit and no larger.
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
    for dnum in 1..=levels + 1 {
        let alpha = (levels + 1).div_ceil(dnum);
        let digit_bits = first + (alpha as u32 - 1) * log_scale;
        let k = digit_bits.div_ceil(max_special);
        let width = digit_bits.div_ceil(k).clamp(min_bits, max_special);
        let nominal = (first + levels as u32 * log_scale + k * width) as f64;
        if nominal > bound + 1.0 {
            continue;
        }
        for width in [width, width + 1].into_iter().filter(|&w| w <= max_special) {
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

impl AutoParameters {
    /// The literal the context was built from.
    pub fn literal(&self) -> &ParametersLiteral {
        self.context.literal()
    }

    /// Generates the secret key, the public key, the relinearization key (if the circuit
    /// multiplies ciphertexts) and Galois keys for exactly the collected rotations.
    pub fn generate_keys(&self, prng: &mut Prng) -> KeySet {
        let sk = SecretKey::generate(&self.context, prng);
        let public_key = sk.public_key(prng);
        let relinearization = (self.counts.relinearizations > 0 || self.bootstrap.is_some())
            .then(|| sk.relinearization_key(prng));
        let mut rotations = self.rotations.clone();
        if let Some(plan) = &self.bootstrap {
            rotations.steps.extend(&plan.rotations().steps);
            rotations.conjugation |= plan.rotations().conjugation;
        }
        let galois = sk.galois_keys(&rotations.steps_i64(), rotations.conjugation, prng);
        let evaluation_keys = Arc::new(EvaluationKeys { relinearization, galois });
        let bootstrap = self.bootstrap.as_ref().map(|plan| BootstrapKeys {
            evaluation: evaluation_keys.clone(),
            transforms: crate::boot::TransformKeys::generate(
                &sk,
                &plan.transform_rotations(),
                prng,
            ),
            encapsulation: sse::EncapsulationKeys::generate(
                &sk,
                plan.config().hamming_weight,
                prng,
            )
            .expect("choose_parameters checked the encapsulation's security"),
        });
        KeySet { secret_key: Arc::new(sk), public_key, evaluation_keys, bootstrap }
    }

    /// A homomorphic evaluator with `keys`, encrypting with the public key (and bootstrapping,
    /// with [`AutoOptions::bootstrap`]: its constants are encoded here).
    ///
    /// # Errors
    /// [`CkksError::ContextMismatch`] for keys of other parameters.
    pub fn homomorphic(&self, keys: &KeySet) -> Result<HomomorphicEvaluator> {
        let eval = Evaluator::new(&self.context, keys.evaluation_keys.clone())?;
        let he = HomomorphicEvaluator::with_public_key(eval, keys.public_key.clone())?;
        match (&self.bootstrap, &keys.bootstrap) {
            (Some(plan), Some(bk)) => he.with_bootstrapper(Arc::new(Bootstrapper::new(
                &self.context,
                plan.clone(),
                bk.clone(),
            )?)),
            _ => Ok(he),
        }
    }

    /// Bytes of one key-switching key (`dnum` pairs of polynomials over `Q_L P`).
    pub fn switching_key_bytes(&self) -> usize {
        let ctx = &self.context;
        let limbs = ctx.max_level() + 1 + ctx.special_primes().len();
        ctx.dnum() * 2 * limbs * ctx.n() * 8
    }

    /// A printable explanation of the choice.
    pub fn summary(&self) -> String {
        let ctx = &self.context;
        let lit = ctx.literal();
        let est = &self.scale_estimate;
        let c = &self.counts;
        let mib = |b: usize| b as f64 / (1 << 20) as f64;
        let ksk = self.switching_key_bytes();
        let relin = usize::from(c.relinearizations > 0);
        let galois = self.rotations.steps.len() + usize::from(self.rotations.conjugation);
        let bound = match lit.security {
            Security::HeStandard128 => format!(
                "<= {} bits, 128-bit secure (HE standard)",
                max_log_qp_128(ctx.log_n()).unwrap_or(0)
            ),
            Security::InsecureToyParameters => "NOT SECURE: toy parameters".into(),
        };
        let steps: Vec<String> = self.rotations.steps.iter().map(|s| s.to_string()).collect();
        let steps = if steps.is_empty() { "none".to_string() } else { steps.join(", ") };
        let boot = match &self.bootstrap {
            None => String::new(),
            Some(plan) => {
                let l = plan.levels();
                format!(
                    "\nchain: {c} circuit levels of 2^{b} above q_0, then {t} bootstrapping levels \
                     (SlotsToCoeffs {s}, modular reduction {e}, CoeffsToSlots {k}); a bootstrap \
                     leaves its output at level {c}\n{summary}",
                    c = plan.output_level(),
                    b = lit.log_scale,
                    t = l.total(),
                    s = l.slots_to_coeffs,
                    e = l.eval_mod,
                    k = l.coeffs_to_slots,
                    summary = plan.summary(),
                )
            }
        };
        format!(
            "circuit: depth {depth}; {enc} input ciphertexts; {mul} multiplications ({ct} ciphertext, \
             {pt} plaintext, {cm} constant), {rl} relinearizations, {rs} rescales, {ro} rotations, \
             {cj} conjugations ({ks} key switches)\n\
             rotation steps: {steps}{conj}\n\
             scale: the estimator allows up to 2^{maxb} (largest magnitude {mag:.3e}, margin {margin} \
             bits, first prime <= {fmax} bits); chosen 2^{b}{capped}\n\
             first prime: {first} bits (what the lowest levels need at 2^{b}: {req:.1} bits)\n\
             ring: N = 2^{logn} ({slots} slots), L = {levels}, dnum = {dnum}, special primes {k} x {sp} \
             bits, log2 QP = {logqp:.1} {bound}\n\
             keys: switching key {ksk:.2} MiB each; relinearization {relin} + Galois {galois} = \
             {total:.2} MiB; input ciphertexts {inputs:.2} MiB{boot}",
            depth = self.depth,
            enc = c.encryptions,
            mul = c.multiplications(),
            ct = c.ct_multiplications,
            pt = c.plain_multiplications,
            cm = c.const_multiplications,
            rl = c.relinearizations,
            rs = c.rescales,
            ro = c.rotations,
            cj = c.conjugations,
            ks = c.key_switches(),
            conj = if self.rotations.conjugation { " + conjugation" } else { "" },
            maxb = self.max_log_scale,
            mag = est.max_magnitude,
            margin = est.margin_bits,
            fmax = self.options.max_first_prime_bits,
            b = lit.log_scale,
            capped = if lit.log_scale < self.max_log_scale {
                format!(" (capped by max_log_scale = {})", self.options.max_log_scale)
            } else {
                String::new()
            },
            first = lit.first_prime_bits,
            req = est.required_first_prime_bits(lit.log_scale),
            logn = ctx.log_n(),
            slots = ctx.slots(),
            levels = ctx.max_level(),
            dnum = ctx.dnum(),
            k = lit.special_prime_bits.len(),
            sp = lit.special_prime_bits.first().copied().unwrap_or(0),
            logqp = ctx.log_qp(),
            ksk = mib(ksk),
            total = mib(ksk * (relin + galois)),
            inputs = mib(c.input_bytes(ctx.n())),
        )
    }
}
