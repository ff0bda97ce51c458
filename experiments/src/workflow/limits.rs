//! What the parameters allow: the largest file of each kind (checked against a file's size
//! before it is read), and the ranges of the values in the workflow's JSON files. One place,
//! so that every reader bounds its input the same way.
//!
//! | bound | value | why |
//! |---|---|---|
//! | a minibatch's rows `b` | `1 ..= slots` | a minibatch's column fits one ciphertext |
//! | `k` | at least 1, circuit depth `<= L` | the parameters were chosen for the depth |
//! | the plan's width `d` | a power of two in `2 ..= slots` | one ciphertext row holds a sample |
//! | `k b d` | `<= 2^27` cells | one round's data as plain `f64`: 1 GiB |
//! | `round k + k` | `<= 2^20` iterations | the step-size schedule is computed by a loop up to it |
//! | a state's values | finite, `|x| <` [`value_room`] | what decrypts correctly at level 0 |
//! | Galois keys | `<= slots` | one per rotation step at most |
//! | an epoch plan's `E M` | `<= 2^14` minibatches | the schedule is planned minibatch by minibatch |
//!
//! File sizes are upper bounds of the scheme's format (`ckks::serial`) under the parameters,
//! plus the envelope ([`super::envelope::file_limit`]).

use ckks::boot::{BootstrapKeys, BootstrapPlan};
use ckks::Context;

/// The largest start iteration (`round k`) a plan may reach.
pub const MAX_ITERATIONS: usize = 1 << 20;
/// The most minibatches (`E M`) of an epoch plan.
pub const MAX_EPOCH_MINIBATCHES: usize = 1 << 14;
/// The most plain cells (`k b d`) of one round.
pub const MAX_ROUND_CELLS: usize = 1 << 27;
/// The largest parameter-set file payload.
pub const PARAMETERS: u64 = 1 << 16;

/// The scheme object's header.
const SCHEME_HEADER: u64 = 40;

fn poly(ctx: &Context, limbs: usize) -> u64 {
    (ctx.n() as u64).saturating_mul(limbs as u64).saturating_mul(8)
}

/// The secret key's payload: the header and one byte per coefficient.
pub fn secret_key(ctx: &Context) -> u64 {
    SCHEME_HEADER + ctx.n() as u64
}

/// A switching key: per digit `b` in full, a flag, and `a` in full or its 32-byte seed.
fn switching_key(ctx: &Context) -> u64 {
    let p = poly(ctx, ctx.basis_qp_top().len());
    4u64.saturating_add((ctx.dnum() as u64).saturating_mul(p.saturating_mul(2).saturating_add(1)))
}

/// The relinearization key's payload.
pub fn relinearization_key(ctx: &Context) -> u64 {
    SCHEME_HEADER.saturating_add(switching_key(ctx))
}

/// The payload of `count` Galois keys.
pub fn galois_keys(ctx: &Context, count: usize) -> u64 {
    let each = switching_key(ctx).saturating_add(12);
    (SCHEME_HEADER + 4).saturating_add((count as u64).saturating_mul(each))
}

/// The largest bootstrapping configuration's payload.
pub const BOOTSTRAP_CONFIG: u64 = 1 << 12;

/// The bootstrapping keys' payload: exactly the keys `plan` lists
/// ([`BootstrapKeys::max_serialized_len`]).
pub fn bootstrap_keys(ctx: &Context, plan: &BootstrapPlan) -> u64 {
    BootstrapKeys::max_serialized_len(ctx, plan)
}

/// A ciphertext's payload at `level`: level, scale, component count and up to three
/// polynomials (a seeded ciphertext is smaller).
pub fn ciphertext(ctx: &Context, level: usize) -> u64 {
    (SCHEME_HEADER + 16).saturating_add(poly(ctx, level + 1).saturating_mul(3))
}

/// The largest value a decrypted result can have: half of `q_0` over the scale at level 0.
/// A state beyond it cannot be trained on, and a decrypted weight beyond it is noise.
pub fn value_room(ctx: &Context) -> f64 {
    ctx.q_primes()[0] as f64 / (2.0 * ctx.scale(0))
}
