//! `keygen --bootstrap`: parameters that can bootstrap, the circuit's keys on them, and the
//! bootstrapping material the server's bundle carries (`bootstrap.config`, `bootstrap.keys`:
//! the configuration and the key set of `ckks::boot::serial`, each in its envelope). The
//! server reads them back in [`super::bundle::load_server`] into a bootstrapper.
//!
//! The round circuits of `encrypt` and `train` address their levels from the top of the chain,
//! which here is the top of the bootstrapping levels: those commands refuse a plan with
//! bootstrapping ([`super::schema::Plan::refuse_bootstrapping`]); a training that bootstraps
//! starts at the top circuit level (`ckks::ModulusChain::circuit_top`).
//!
//! The bootstrapping key set holds a relinearization key and the Galois keys of the trace's
//! first rotation and the conjugation ([`BootstrapKeys`]); `relin.key` and `galois.keys` hold the rest of what the
//! circuit uses (no relinearization key, none of those rotations), and the server merges both
//! into one key set: no key is stored twice.

use super::bundle::{write_sealed, BOOT_CONFIG, BOOT_KEYS};
use super::envelope::{self, Binding, Content};
use super::identity::Id;
use super::schema::BootstrapRecord;
use crate::args::BootstrapArgs;
use crate::error::{Error, Result};
use crate::files::OutputDir;
use crate::params::{bootstrap_log_n, bootstrap_parameters};
use circuits::training::Training;
use ckks::boot::{circuit_galois_keys, BootstrapKeys, BootstrapPlan};
use ckks::eval::{
    Circuit, Observed, PlaintextEvaluator, RotationSet, Rotations, ScaleEstimator,
    SymbolicEvaluator,
};
use ckks::{Context, EvaluationKeys, ModulusChain, Prng, SecretKey};

/// Headroom (bits) above the values the zero-start run shows, as `keygen` allows for later
/// rounds.
const MARGIN_BITS: f64 = 10.0;

/// What `keygen --bootstrap` generates (client side).
pub struct Material {
    /// The parameters: the circuit's levels below the bootstrapping levels.
    pub context: Context,
    /// The secret key (the client's only).
    pub secret_key: SecretKey,
    /// The circuit's evaluation keys: its relinearization key and exactly its rotations.
    pub evaluation: EvaluationKeys,
    /// The bootstrapping plan.
    pub plan: BootstrapPlan,
    /// The bootstrapping key set.
    pub keys: BootstrapKeys,
}

/// Parameters for `training` that can bootstrap its encoding unit's width of slots on
/// `N = 2^16` (or the toy ring with `quick`), with `args.bootstrap_levels` circuit levels (at
/// least, and by default, the circuit's depth); the circuit's keys and the bootstrapping keys.
///
/// # Errors
/// [`Error::InvalidOption`] for fewer levels than the circuit's depth; the parameter errors of
/// [`bootstrap_parameters`] (too many levels for 128-bit security at `N = 2^16`), and the
/// circuit's and scale checks' errors.
pub fn generate(
    training: &Training<'_>,
    args: &BootstrapArgs,
    quick: bool,
    prng: &mut Prng,
) -> Result<Material> {
    let log_n = bootstrap_log_n(quick);
    let unit = training.unit(1 << (log_n - 1))?;
    let depth = training.depth()?;
    let levels = args.bootstrap_levels.unwrap_or(depth);
    if levels < depth {
        return Err(Error::InvalidOption {
            flag: "--bootstrap-levels",
            value: levels.to_string(),
            expected: "at least the depth of the circuit's round",
        });
    }
    let (config, literal) = bootstrap_parameters(log_n, unit.width(), levels, quick)?;
    let context = literal.build()?;
    let plan = BootstrapPlan::new(context.chain(), &config)?;
    // The circuit on its levels (below the bootstrapping primes: the chain of the same
    // literal without them has the same primes and scales), as a circuit that bootstraps runs
    // from the top circuit level: its rotations and multiplications, and its values within
    // what every level holds.
    let mut circuit_literal = context.literal().clone();
    circuit_literal.bootstrap_prime_bits.clear();
    let chain = ModulusChain::from_literal(&circuit_literal)?;
    debug_assert_eq!(chain.q_primes(), &context.chain().q_primes()[..=chain.max_level()]);
    let analysis =
        Observed::with_observer(SymbolicEvaluator::new(chain.clone()), Rotations::default());
    training.run(&analysis)?;
    let scale = ScaleEstimator::wrap(PlaintextEvaluator::new(chain.clone()));
    training.run(&scale)?;
    scale.estimate(MARGIN_BITS).check_chain(&chain)?;
    let rotations = analysis.observer();
    Material::generate(context, plan, &rotations.set(), prng)
}

impl Material {
    /// A fresh secret key on `context`, the bootstrapping keys `plan` lists (which hold a
    /// relinearization key, the conjugation and the trace's first rotation) and the circuit's
    /// evaluation keys for what they do not hold: the rest of `rotations`, restricted to the
    /// circuit's levels. The server merges
    /// the two into one key set ([`super::bundle::load_server`]), so no key is stored twice.
    ///
    /// # Errors
    /// As [`BootstrapKeys::generate`].
    pub fn generate(
        context: Context,
        plan: BootstrapPlan,
        rotations: &RotationSet,
        prng: &mut Prng,
    ) -> Result<Self> {
        let secret_key = SecretKey::generate(&context, prng);
        let evaluation = EvaluationKeys {
            relinearization: None,
            galois: circuit_galois_keys(&secret_key, &plan, rotations, prng),
        };
        let keys = BootstrapKeys::generate(&secret_key, &plan, prng)?;
        Ok(Self { context, secret_key, evaluation, plan, keys })
    }
}

/// The bootstrapping material of a server's bundle, sealed in its envelopes, and what the plan
/// records of it.
pub struct Sealed {
    /// The configuration's payload (`bootstrap.config` is sealed on writing).
    pub config: Vec<u8>,
    /// `bootstrap.keys`, sealed.
    pub keys: Vec<u8>,
    /// The plan's record (`keys.bootstrap`).
    pub record: BootstrapRecord,
    /// The key set both files belong to.
    pub key_set: Id,
}

impl Sealed {
    /// Serializes `keys` (exactly what `plan` lists; dropped as soon as serialized, the file
    /// being several GiB at `N = 2^16`) and the configuration for the key set `key_set`, and
    /// prints their sizes.
    ///
    /// # Errors
    /// The missing-key errors of `BootstrapKeys::to_bytes`.
    pub fn new(
        ctx: &Context,
        key_set: Id,
        plan: &BootstrapPlan,
        keys: BootstrapKeys,
    ) -> Result<Self> {
        let config = plan.config().to_bytes(ctx);
        let in_memory = keys.byte_size() as u64;
        let payload = keys.to_bytes(plan)?;
        drop(keys);
        let keys = envelope::seal(&Binding { key_set, content: Content::BootstrapKeys }, &payload);
        drop(payload);
        let gib = crate::report::gib;
        println!(
            "bootstrapping keys ({} slots, {} circuit levels): {in_memory} bytes of residues \
             ({:.2} GiB), {} bytes in {BOOT_KEYS} ({:.2} GiB, seeded)",
            plan.slots(),
            ctx.chain().circuit_top(),
            gib(in_memory),
            keys.len(),
            gib(keys.len() as u64)
        );
        let record = BootstrapRecord {
            slots: plan.slots(),
            circuit_levels: ctx.chain().circuit_top(),
            key_file_bytes: keys.len() as u64,
        };
        Ok(Self { config, keys, record, key_set })
    }

    /// Writes `bootstrap.config` and `bootstrap.keys` into the server's bundle.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn write(self, out: &mut OutputDir) -> Result<()> {
        write_sealed(out, BOOT_CONFIG, self.key_set, Content::BootstrapConfig, &self.config)?;
        out.write(BOOT_KEYS, &self.keys)
    }
}
