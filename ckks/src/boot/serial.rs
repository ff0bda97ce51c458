//! Bootstrapping material on disk, in the versioned format of [`crate::rlwe::serial`] (same
//! header, checksum and bounds-checked reader): what a server needs to build a
//! [`Bootstrapper`] from files.
//!
//! - **The configuration** (kind 8) under the parameters' hash. The plan is not stored: it is
//!   rebuilt from the chain and the configuration on reading ([`BootstrapPlan::from_bytes`]),
//!   and the bootstrapper encodes its constants again ([`Bootstrapper::new`]).
//! - **The key set** (kind 9): exactly the keys a plan lists, in this order, each switching
//!   key with seeded compression (as [`crate::rlwe::serial`] writes them):
//!
//! ```text
//! relinearization key      a switching key over Q_L P
//! u32 count, per key       u64 Galois element, a switching key      the trace's first rotation
//!                                                                   and the conjugation
//! u32 count, per key       u64 Galois element, u32 level,           the transforms' and the trace
//!                          a switching key restricted to the level  rounds' rotations, each at
//!                                                                   its highest level
//! u32 h                    the ephemeral secret's Hamming weight    sparse-secret encapsulation:
//! b, a over [q_0, p_0]     the key s -> s' (a in full)              both keys, never the
//! a switching key          the key s' -> s over Q_L P               ephemeral secret itself
//! ```
//!
//! Public material only: no secret key and no ephemeral secret is ever part of it (the sparse
//! secret is zeroized once its keys are made). A key set is read against a plan: a key the plan
//! does not list, a missing one, one at another level or another Hamming weight is refused
//! with a typed [`CkksError`], like a truncated or corrupted file or one of other parameters.

use super::bootstrapper::Bootstrapper;
use super::config::BootstrapConfig;
use super::keys::{BootstrapKeys, TransformKeys};
use super::plan::BootstrapPlan;
use super::sse::{self, EncapsulationKeys};
use crate::error::{CkksError, Result};
use crate::math::poly::eval_automorphism_permutation;
use crate::rlwe::galois::inverse_mod_2n;
use crate::rlwe::serial::{
    frame, malformed, put_poly, put_switching_key, read_switching_key, unframe, Kind, Reader,
};
use crate::scheme::ciphertext::check_hash;
use crate::scheme::{rules, Context, EvaluationKeys, GaloisKey, GaloisKeys, RelinearizationKey};
use std::collections::BTreeMap;
use std::sync::Arc;

const CONFIG: &str = "bootstrapping configuration";
const KEYS: &str = "bootstrapping keys";

// ----- the configuration -------------------------------------------------------------------

/// Checks a value read from a configuration against its range.
fn within<T: PartialOrd + std::fmt::Display + Copy>(
    field: &str,
    value: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(malformed(
            CONFIG,
            format!("{field} = {value} outside {}..={}", range.start(), range.end()),
        ))
    }
}

impl BootstrapConfig {
    /// Serialized under the hash of `ctx`, the parameters it is meant for.
    pub fn to_bytes(&self, ctx: &Context) -> Vec<u8> {
        let mut p = Vec::with_capacity(64);
        p.extend((self.slots.unwrap_or(0) as u64).to_le_bytes());
        for v in [self.cts_levels, self.stc_levels] {
            p.extend((v as u32).to_le_bytes());
        }
        p.extend(self.cts_prime_bits.to_le_bytes());
        p.extend(self.stc_prime_bits.to_le_bytes());
        p.extend((self.hamming_weight as u64).to_le_bytes());
        p.extend(self.double_angles.to_le_bytes());
        p.extend(self.mod_error.to_bits().to_le_bytes());
        p.extend(self.log_message_ratio.to_le_bytes());
        p.push(u8::from(self.arcsine));
        p.extend(self.input_bound.to_bits().to_le_bytes());
        frame(Kind::BootstrapConfig, ctx.hash(), &p)
    }

    /// Reads a configuration written for `ctx`; every field is checked against a range (the
    /// plan built from it checks the rest against the chain: [`BootstrapPlan::from_bytes`]).
    ///
    /// # Errors
    /// [`CkksError::Malformed`], [`CkksError::WrongKind`], [`CkksError::UnsupportedVersion`],
    /// [`CkksError::ContextMismatch`].
    pub fn from_bytes(ctx: &Context, bytes: &[u8]) -> Result<BootstrapConfig> {
        let (payload, hash) = unframe(bytes, Kind::BootstrapConfig)?;
        check_hash(ctx, hash)?;
        let mut r = Reader { buf: payload, what: CONFIG };
        let slots = within("slots", r.u64()?, 0..=ctx.slots() as u64)? as usize;
        let cts_levels = within("cts_levels", r.u32()?, 1..=32)? as usize;
        let stc_levels = within("stc_levels", r.u32()?, 1..=32)? as usize;
        let cts_prime_bits = within("cts_prime_bits", r.u32()?, 20..=61)?;
        let stc_prime_bits = within("stc_prime_bits", r.u32()?, 20..=61)?;
        let hamming_weight =
            within("hamming_weight", r.u64()?, 1..=(ctx.n() as u64).min(1 << 12))? as usize;
        let double_angles = within("double_angles", r.u32()?, 0..=8)?;
        let mod_error = within("mod_error", r.f64()?, 2f64.powi(-60)..=0.5)?;
        let log_message_ratio = within("log_message_ratio", r.u32()?, 1..=40)?;
        let arcsine = match r.u8()? {
            0 => false,
            1 => true,
            f => return Err(malformed(CONFIG, format!("arcsine flag {f}"))),
        };
        let input_bound = within("input_bound", r.f64()?, 2f64.powi(-30)..=2f64.powi(20))?;
        r.end()?;
        Ok(BootstrapConfig {
            slots: (slots != 0).then_some(slots),
            cts_levels,
            stc_levels,
            cts_prime_bits,
            stc_prime_bits,
            hamming_weight,
            double_angles,
            mod_error,
            log_message_ratio,
            arcsine,
            input_bound,
        })
    }
}

impl BootstrapPlan {
    /// Reads a configuration written for `ctx` and resolves it against its chain.
    ///
    /// # Errors
    /// As [`BootstrapConfig::from_bytes`] and [`BootstrapPlan::new`]
    /// ([`CkksError::BootstrapLevels`] for a configuration whose levels are not the chain's,
    /// [`CkksError::BootstrapSlots`], ...).
    pub fn from_bytes(ctx: &Context, bytes: &[u8]) -> Result<BootstrapPlan> {
        BootstrapPlan::new(ctx.chain(), &BootstrapConfig::from_bytes(ctx, bytes)?)
    }
}

// ----- the keys ----------------------------------------------------------------------------

/// The Galois elements of the evaluation keys `plan` lists, ascending: the trace's first
/// rotation (with its step) and the conjugation (`None`).
fn evaluator_elements(plan: &BootstrapPlan) -> BTreeMap<usize, Option<usize>> {
    let chain = plan.chain();
    let r = plan.evaluator_rotations();
    let mut g: BTreeMap<usize, Option<usize>> =
        r.steps.iter().map(|&s| (chain.rotation_galois_element(s as i64), Some(s))).collect();
    if r.conjugation {
        g.insert(chain.conjugation_galois_element(), None);
    }
    g
}

/// The transforms' keys `plan` lists: Galois element -> (step, level).
fn transform_elements(plan: &BootstrapPlan) -> BTreeMap<usize, (usize, usize)> {
    let chain = plan.chain();
    plan.transform_rotations()
        .into_iter()
        .map(|(step, level)| (chain.rotation_galois_element(step as i64), (step, level)))
        .collect()
}

/// The error for a key the plan lists and the set lacks.
fn missing(galois_element: usize, step: Option<usize>) -> CkksError {
    match step {
        Some(step) => CkksError::MissingRotationKey { step, galois_element },
        None => CkksError::MissingConjugationKey,
    }
}

fn unlisted(found: u64, expected: usize) -> CkksError {
    malformed(
        KEYS,
        format!("Galois element {found} where the plan lists {expected}: keys of another plan"),
    )
}

/// Upper bound of a switching key's bytes at `level` (every `a_j` in full).
fn switching_key_bound(ctx: &Context, level: usize) -> u64 {
    let digits = ctx.digits().iter().filter(|d| d.start <= level).count() as u64;
    let poly = (ctx.n() * ctx.basis_qp(level).len() * 8) as u64;
    4 + digits * (2 * poly + 1)
}

impl BootstrapKeys {
    /// Serialized: exactly the keys `plan` lists (the relinearization key and the Galois keys
    /// of the trace's first rotation and the conjugation from [`BootstrapKeys::evaluation`], which
    /// may hold more, the transforms' and the trace rounds' keys, the encapsulation keys), with seeded compression.
    ///
    /// # Errors
    /// [`CkksError::MissingRelinearizationKey`], [`CkksError::MissingRotationKey`],
    /// [`CkksError::MissingConjugationKey`] for a key the plan lists that the set lacks,
    /// [`CkksError::GaloisKeyLevel`] for an evaluation key restricted below the chain's top.
    pub fn to_bytes(&self, plan: &BootstrapPlan) -> Result<Vec<u8>> {
        let ev = &self.evaluation;
        let relin = ev.relinearization.as_ref().ok_or(CkksError::MissingRelinearizationKey)?;
        let mut p = Vec::new();
        put_switching_key(&mut p, &relin.0);
        let elements = evaluator_elements(plan);
        p.extend((elements.len() as u32).to_le_bytes());
        let top = plan.chain().max_level();
        for (g, step) in elements {
            let key = ev.galois.keys.get(&g).ok_or_else(|| missing(g, step))?;
            rules::galois_key_level(g, key.level(), top)?;
            p.extend((g as u64).to_le_bytes());
            put_switching_key(&mut p, &key.key);
        }
        let transforms = transform_elements(plan);
        p.extend((transforms.len() as u32).to_le_bytes());
        for (g, (step, level)) in transforms {
            let key = self
                .transforms
                .keys
                .get(&g)
                .filter(|k| k.level() >= level)
                .ok_or_else(|| missing(g, Some(step)))?;
            let l = key.level();
            if l != level {
                // A key of a higher level than the plan needs: not what this plan made.
                return Err(malformed(KEYS, format!("Galois element {g}: level {l}, not {level}")));
            }
            p.extend((g as u64).to_le_bytes());
            p.extend((level as u32).to_le_bytes());
            put_switching_key(&mut p, &key.key);
        }
        let e = &self.encapsulation;
        p.extend((e.hamming_weight() as u64).to_le_bytes());
        put_poly(&mut p, &e.down.0);
        put_poly(&mut p, &e.down.1);
        put_switching_key(&mut p, &e.up);
        Ok(frame(Kind::BootstrapKeys, e.params_hash(), &p))
    }

    /// Reads the key set of `plan` on `ctx` (for [`Bootstrapper::new`]). Every key the plan
    /// lists must be there, at its level, and no other.
    ///
    /// # Errors
    /// [`CkksError::Malformed`] (a truncated or corrupted file, a key the plan does not list,
    /// another Hamming weight), [`CkksError::WrongKind`], [`CkksError::UnsupportedVersion`],
    /// [`CkksError::ContextMismatch`] (other parameters), [`CkksError::InvalidParameters`] for a
    /// plan of another chain.
    pub fn from_bytes(ctx: &Context, plan: &BootstrapPlan, bytes: &[u8]) -> Result<BootstrapKeys> {
        plan.check_chain(ctx.chain())?;
        let (payload, hash) = unframe(bytes, Kind::BootstrapKeys)?;
        check_hash(ctx, hash)?;
        let mut r = Reader { buf: payload, what: KEYS };
        let top = ctx.max_level();
        let relin = RelinearizationKey(read_switching_key(&mut r, ctx, hash, None, top)?);
        let galois_key = |r: &mut Reader<'_>, g: usize, level: usize| -> Result<GaloisKey> {
            let n = ctx.n();
            let inverse = eval_automorphism_permutation(n, inverse_mod_2n(g, 2 * n));
            let key = read_switching_key(r, ctx, hash, Some(&inverse), level)?;
            Ok(GaloisKey {
                key,
                galois_element: g,
                permutation: eval_automorphism_permutation(n, g),
            })
        };
        let expected = evaluator_elements(plan);
        let count = r.u32()? as usize;
        if count != expected.len() {
            return Err(malformed(
                KEYS,
                format!("{count} evaluation Galois keys, the plan lists {}", expected.len()),
            ));
        }
        let mut galois = GaloisKeys::default();
        for &g in expected.keys() {
            let found = r.u64()?;
            if found != g as u64 {
                return Err(unlisted(found, g));
            }
            galois.keys.insert(g, galois_key(&mut r, g, top)?);
        }
        let expected = transform_elements(plan);
        let count = r.u32()? as usize;
        if count != expected.len() {
            return Err(malformed(
                KEYS,
                format!("{count} transform keys, the plan lists {}", expected.len()),
            ));
        }
        let mut transforms = TransformKeys::default();
        for (&g, &(_, level)) in &expected {
            let found = r.u64()?;
            if found != g as u64 {
                return Err(unlisted(found, g));
            }
            let l = r.u32()? as usize;
            if l != level {
                return Err(malformed(
                    KEYS,
                    format!("Galois element {g} at level {l}; the plan uses it at level {level}"),
                ));
            }
            transforms.keys.insert(g, galois_key(&mut r, g, level)?);
        }
        let h = r.u64()?;
        if h != plan.config().hamming_weight as u64 {
            return Err(malformed(
                KEYS,
                format!(
                    "encapsulation keys of Hamming weight {h}; the plan's is {}",
                    plan.config().hamming_weight
                ),
            ));
        }
        let small = sse::small_basis(ctx);
        let down = (r.poly(ctx.n(), &small)?, r.poly(ctx.n(), &small)?);
        let up = read_switching_key(&mut r, ctx, hash, None, top)?;
        r.end()?;
        let encapsulation =
            EncapsulationKeys { hamming_weight: h as usize, down, up, params_hash: hash };
        let evaluation = EvaluationKeys { relinearization: Some(relin), galois };
        Ok(BootstrapKeys { evaluation: Arc::new(evaluation), transforms, encapsulation })
    }

    /// The largest serialized key set of `plan` on `ctx` (every switching key without seeded
    /// compression), header included: a bound to check a file's size against before reading it.
    pub fn max_serialized_len(ctx: &Context, plan: &BootstrapPlan) -> u64 {
        let top = ctx.max_level();
        let full = switching_key_bound(ctx, top);
        let evaluator = evaluator_elements(plan).len() as u64 * (8 + full);
        let transforms: u64 =
            transform_elements(plan).values().map(|&(_, l)| 12 + switching_key_bound(ctx, l)).sum();
        let down = 2 * (2 * ctx.n() as u64 * 8);
        40 + full + 4 + evaluator + 4 + transforms + 8 + down + full
    }
}

impl Bootstrapper {
    /// A bootstrapper from files: a configuration written by [`BootstrapConfig::to_bytes`] and
    /// a key set written by [`BootstrapKeys::to_bytes`], both for `ctx` (server side).
    ///
    /// # Errors
    /// As [`BootstrapPlan::from_bytes`], [`BootstrapKeys::from_bytes`] and
    /// [`Bootstrapper::new`].
    pub fn from_bytes(ctx: &Context, config: &[u8], keys: &[u8]) -> Result<Bootstrapper> {
        let plan = Arc::new(BootstrapPlan::from_bytes(ctx, config)?);
        let keys = BootstrapKeys::from_bytes(ctx, &plan, keys)?;
        Bootstrapper::new(ctx, plan, keys)
    }
}
