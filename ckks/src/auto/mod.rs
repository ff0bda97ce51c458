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
//!    128-bit bound; the special primes as narrow as [`crate::math::simd::FAST_PRIME_BITS`]
//!    where that fits (more of them, but on the fast kernels), else as few as
//!    [`AutoOptions::max_special_prime_bits`] allows.
//!
//! The choice is then checked on the real chain (the circuit runs symbolically without error,
//! every recorded magnitude fits) and explained by [`AutoParameters::summary`].
//!
//! With [`AutoOptions::bootstrap`], the circuit may call [`CkksEvaluator::bootstrap`](crate::eval::CkksEvaluator::bootstrap): the
//! analysis chain carries the bootstrapping primes above its circuit levels, the depth is the
//! deepest segment's (levels below the top circuit level, where bootstraps leave their output),
//! `q_0` is the modular reduction's 60-bit prime, the chain is the circuit's levels plus the
//! bootstrapping levels ([`BootstrapConfig::parameters`]), and the keys include the
//! bootstrapping key set.
//!
//! Circuits should address levels relative to [`CkksEvaluator::max_level`](crate::eval::CkksEvaluator::max_level) (or to their
//! inputs' levels): the analysis runs on a tall chain and the real one has exactly the levels
//! the circuit consumes.
//!
//! This layer sits above the evaluators ([`crate::eval`]) and bootstrapping ([`crate::boot`]):
//! it runs circuits under the former and builds plans and keys of the latter. Its names are
//! also re-exported from [`crate::eval`] (`ckks::eval::choose_parameters` and so on), where
//! they were first.

mod choose;
mod summary;

pub use crate::eval::Circuit;
pub use choose::{choose_parameters, prepare};

use crate::boot::{sse, BootstrapConfig, BootstrapKeys, BootstrapPlan, Bootstrapper};
use crate::error::Result;
use crate::eval::{HomomorphicEvaluator, OpCounts, RotationSet, ScaleEstimate};
use crate::math::Prng;
use crate::scheme::{
    Context, EvaluationKeys, Evaluator, ParametersLiteral, PublicKey, SecretKey, Security,
};
use std::sync::Arc;

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
    /// Bootstrapping, for circuits that call [`CkksEvaluator::bootstrap`](crate::eval::CkksEvaluator::bootstrap).
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
    /// [`AutoOptions::bootstrap`]; shared, as the evaluation keys are (a
    /// [`Bootstrapper`] takes the `Arc`: at `N = 2^16` the set is several GiB).
    pub bootstrap: Option<Arc<BootstrapKeys>>,
}

impl AutoParameters {
    /// The literal the context was built from.
    pub fn literal(&self) -> &ParametersLiteral {
        self.context.literal()
    }

    /// Generates the secret key, the public key, the relinearization key (if the circuit
    /// multiplies ciphertexts) and Galois keys for exactly the collected rotations: with
    /// bootstrapping, those bootstrapping shares ([`BootstrapPlan::evaluator_rotations`]) over
    /// the whole chain and the circuit's others restricted to its levels
    /// ([`crate::boot::circuit_galois_keys`]).
    pub fn generate_keys(&self, prng: &mut Prng) -> KeySet {
        let sk = SecretKey::generate(&self.context, prng);
        let public_key = sk.public_key(prng);
        let relinearization = (self.counts.relinearizations > 0 || self.bootstrap.is_some())
            .then(|| sk.relinearization_key(prng));
        let r = &self.rotations;
        let galois = match &self.bootstrap {
            None => sk.galois_keys(&r.steps_i64(), r.conjugation, prng),
            Some(plan) => {
                // Bootstrapping's own keys over the whole chain; the circuit's only over its
                // levels, below the bootstrapping primes.
                let held = plan.evaluator_rotations();
                let mut galois = sk.galois_keys(&held.steps_i64(), held.conjugation, prng);
                galois.extend(crate::boot::circuit_galois_keys(&sk, plan, r, prng));
                galois
            }
        };
        let evaluation_keys = Arc::new(EvaluationKeys { relinearization, galois });
        let bootstrap = self.bootstrap.as_ref().map(|plan| {
            Arc::new(BootstrapKeys {
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
            })
        });
        KeySet { secret_key: Arc::new(sk), public_key, evaluation_keys, bootstrap }
    }

    /// A homomorphic evaluator with `keys`, encrypting with the public key (and bootstrapping,
    /// with [`AutoOptions::bootstrap`]: its constants are encoded here).
    ///
    /// # Errors
    /// [`CkksError::ContextMismatch`](crate::CkksError::ContextMismatch) for keys of other parameters.
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
        self.switching_key_bytes_at(self.context.max_level())
    }

    /// Bytes of one of the circuit's Galois keys: a full key, or with bootstrapping one
    /// restricted to the circuit's levels (the digits that start at or below
    /// [`ModulusChain::circuit_top`](crate::ModulusChain::circuit_top), over its primes and `P`),
    /// as [`AutoParameters::generate_keys`] makes them (but for keys bootstrapping shares).
    pub fn circuit_galois_key_bytes(&self) -> usize {
        self.switching_key_bytes_at(self.context.chain().circuit_top())
    }

    /// Bytes of the Galois keys of the circuit's rotations ([`AutoParameters::rotations`]) as
    /// [`AutoParameters::generate_keys`] makes them: those bootstrapping shares full, the others
    /// over the circuit's levels.
    pub fn galois_key_bytes(&self) -> usize {
        let r = &self.rotations;
        let held = self.bootstrap.as_ref().map(|p| p.evaluator_rotations()).unwrap_or_default();
        let restricted = r.without(&held).key_count();
        let full = r.key_count() - restricted;
        full * self.switching_key_bytes() + restricted * self.circuit_galois_key_bytes()
    }

    fn switching_key_bytes_at(&self, level: usize) -> usize {
        let ctx = &self.context;
        let digits = ctx.digits().iter().filter(|d| d.start <= level).count();
        let limbs = level + 1 + ctx.special_primes().len();
        digits * 2 * limbs * ctx.n() * 8
    }
}
