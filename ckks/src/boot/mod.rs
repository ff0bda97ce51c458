//! Bootstrapping: refreshing a ciphertext's levels, for all `N/2` slots or for a power of two
//! `n < N/2` of them.
//!
//! # Stages
//! A ciphertext at level 0 decrypts to `m + e` modulo `q_0`. Read modulo the whole chain
//! `Q_L`, the same ciphertext decrypts to `m + e + q_0 I` for an integer polynomial `I`
//! (the `raise` module); the rest of bootstrapping removes `q_0 I` homomorphically:
//!
//! 1. **Modulus raise** ([`Bootstrapper::mod_raise`]): the input is aligned to level 0 (at its
//!    nominal scale), multiplied by the integer [`BootstrapPlan::scale_up`] so that
//!    `q_0 / |m|` is about `2^log_message_ratio`, switched to an ephemeral sparse secret
//!    ([`sse`]), raised to the top level and switched back. Its scale is set to `q_0`: its
//!    slots are the canonical embedding of `x = m / q_0 + I`.
//! 2. **CoeffsToSlots** ([`Bootstrapper::coeffs_to_slots`]): the inverse of the canonical
//!    embedding (the `dft` module: the butterfly stages, merged into `cts_levels` factors,
//!    each a baby-step giant-step linear transform ([`lt`]), double-hoisted); then the real
//!    parts by one conjugation: two ciphertexts for full slots (real and imaginary parts of the
//!    packed coefficients), one for sparse slots (both side by side in `2n` slots). For sparse
//!    slots, the trace onto the subring of the `n` slots (`log2(N / 2n)` rotations) frames the
//!    transforms: its first step before them, the others (multiples of the transforms' period
//!    `2n`, which commute with them) after the real parts, `cts_levels` levels lower, where
//!    they cost less, in rounds of double-hoisted rotations ([`BootstrapPlan::trace_rounds`]).
//!    Slots hold `x / K` in `[-1, 1]`, in bit-reversed order.
//! 3. **Modular reduction** ([`Bootstrapper::eval_mod`], [`evalmod`]): a Chebyshev interpolant
//!    of a scaled cosine ([`poly`], at optimal depth), double-angle steps to `sin(2 pi x)`, and
//!    the arcsine correction: `2 pi (x mod 1)` up to the series' fifth-order term.
//! 4. **SlotsToCoeffs** ([`Bootstrapper::slots_to_coeffs`]): the canonical embedding again,
//!    times `rho / 2 pi`, landing exactly on the nominal scale of the output level.
//!
//! # Levels (default configuration, [`BootstrapConfig::default`])
//! The bootstrapping primes sit above the circuit's ([`crate::ParametersLiteral::bootstrap_prime_bits`],
//! [`BootstrapConfig::prime_bits`]); the output is at the top circuit level `C`. Checked by a
//! test against the depth finder:
//!
//! | stage | levels | primes | key switches (full slots, N = 2^16) |
//! |---|---|---|---|
//! | modulus raise | 0 (level 0 to the top) | | 2 (encapsulation) |
//! | CoeffsToSlots | 4 | 56 bits | 32 rotations (20 hoisted), 1 conjugation |
//! | modular reduction | 10: 6 (degree 56) + 2 (double angles) + 2 (arcsine) | 60 bits (`q_0`'s width) | 16 relinearizations, twice |
//! | SlotsToCoeffs | 3 | 39 bits | 38 rotations (21 hoisted) |
//! | total | 17 | | 105 |
//!
//! With 9 circuit levels of 40 bits and `q_0` of 60 bits, `log2 Q = 1361`; with 5 key-switching
//! digits and 6 special primes of 61 bits, `log2 QP = 1727 <= 1747` (128-bit, HE standard)
//! ([`BootstrapConfig::parameters`]; 50-bit special primes, which take the double-precision
//! kernels, would need 7 at 5 digits and not fit; with 10 circuit levels, 6 digits, they do:
//! six of 50 bits, `log2 QP = 1701`).
//!
//! # Secret key and security
//! The secret stays uniform ternary (so the HE standard's bound applies to every key and
//! ciphertext); the modulus raise goes through an ephemeral secret of Hamming weight `h = 32`
//! under a key of modulus `q_0 p_0 <= 2^121`, claimed 128-bit secure at `N = 2^16` by Bossuat,
//! Troncoso-Pastoriza and Hubaux (ACNS 2022) ([`sse`], [`sse::check_security`]).
//!
//! # Precision contract
//! - **Range.** For slots `|z| <= B` ([`BootstrapConfig::input_bound`], 1 by default) every
//!   coefficient of the message is at most `B`; the plaintext evaluator refuses larger slots
//!   ([`crate::CkksError::BootstrapRange`]).
//! - **Overflow term.** Under the ephemeral secret, `I = round(c_1 s' / q_0)` is the rounding of
//!   a sum of `h` centred residues over `q_0`: `|I| <= h / 2` for every coefficient, always; the
//!   reduction covers `[-K, K]` with `K = (h + 1) / 2 + 1/2 = 17`, so the failure probability
//!   is 0. For uniform-looking residues `I` follows the Irwin-Hall law of `h` uniforms (variance
//!   `(h + 1) / 12` with the rounding; `P(|I| >= 16) = 1.8e-45` per coefficient for `h = 32`): a
//!   test measures it over 200 encryptions (max `|I|` 7, variance 2.755 against 2.750).
//! - **Approximation.** The reduction's polynomial is within `2^-41` of `sin(2 pi x)` on
//!   `[-K, K]` ([`ModReduction::max_error`](evalmod::ModReduction::max_error)); with the arcsine
//!   correction the series leaves `3 (2 pi)^4 B^5 / 40 rho^4` (`2^-25.1` for `B = 1`,
//!   `rho = 2^8`) in message units; [`BootstrapPlan::approximation_error`] adds both.
//! - **Noise.** The arithmetic error grows with `N`: measured (`cargo run --release -p ckks
//!   --example bootstrap`), see the example's output and the README section.
//!
//! # Sparse slots
//! With `n < N/2` slots, bootstrapping computes the average of the `N/2n` copies of the slots
//! (the trace): the input's slots should repeat with period `n` (encrypt
//! `values.repeat(N / 2n)`), and so do the output's.
//!
//! # Example
//! ```
//! use ckks::boot::{BootstrapConfig, BootstrapPlan, Bootstrapper};
//! use ckks::eval::{CkksEvaluator, HomomorphicEvaluator};
//! use ckks::{EvaluationKeys, Evaluator, Prng, SecretKey, Security};
//! use std::sync::Arc;
//!
//! // 16 slots of N = 2^10 (insecure toy parameters), two levels for the circuit.
//! let config = BootstrapConfig { slots: Some(16), ..BootstrapConfig::default() };
//! let ctx = config.parameters(10, 2, 60, 40, Security::InsecureToyParameters)?.build()?;
//! let plan = Arc::new(BootstrapPlan::new(ctx.chain(), &config)?);
//! let mut prng = Prng::from_u64_seed(1);
//! let sk = Arc::new(SecretKey::generate(&ctx, &mut prng));
//! let bootstrapper = Arc::new(Bootstrapper::generate(&sk, plan.clone(), &mut prng)?);
//! let eval = Evaluator::new(&ctx, EvaluationKeys::default())?;
//! let he = HomomorphicEvaluator::with_secret_key(eval, sk.clone())?.with_bootstrapper(bootstrapper)?;
//!
//! let values: Vec<f64> = (0..16).map(|i| i as f64 / 16.0 - 0.5).collect();
//! let x = he.encrypt(&values.repeat(he.slots() / 16), 0)?; // level 0: nothing left
//! let y = he.bootstrap(&x)?;
//! assert_eq!(y.level(), plan.output_level());
//! let out = ctx.decode(&sk.decrypt(&y)?)?;
//! assert!((0..16).all(|i| (out[i] - values[i]).abs() < 1e-5));
//! # Ok::<(), ckks::CkksError>(())
//! ```

mod bootstrapper;
pub mod config;
mod debug;
pub(crate) mod dft;
pub mod evalmod;
mod hoisted;
pub mod keys;
pub mod lt;
pub mod plan;
pub mod poly;
pub(crate) mod raise;
pub mod serial;
pub mod sse;

pub use bootstrapper::Bootstrapper;
pub use config::BootstrapConfig;
pub use keys::{circuit_galois_keys, BootstrapKeys, TransformKeys};
pub use plan::{BootstrapPlan, BootstrapProfile, StageLevels};
pub use sse::EncapsulationKeys;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{CkksEvaluator, DepthFinder, OpCounter};
    use crate::{ModulusChain, Security};

    /// The table of the module docs, against the depth finder and the op counter, stage by
    /// stage, for the default configuration at N = 2^16 with 9 circuit levels.
    #[test]
    fn documented_levels_and_key_switches() {
        let config = BootstrapConfig::default();
        let lit = config.parameters(16, 9, 60, 40, Security::HeStandard128).unwrap();
        assert_eq!((lit.dnum, lit.special_prime_bits.len()), (5, 6));
        let chain = ModulusChain::from_literal(&lit).unwrap();
        assert_eq!(chain.log_q(chain.max_level()).round(), 1361.0);
        assert_eq!(chain.log_qp().round(), 1727.0);
        let plan = BootstrapPlan::new(&chain, &config).unwrap();
        assert_eq!(plan.reduction().poly.degree(), 56);
        let levels = plan.levels();
        assert_eq!((levels.coeffs_to_slots, levels.eval_mod, levels.slots_to_coeffs), (4, 10, 3));
        assert_eq!(plan.output_level(), 9);
        let c = &plan.profile().counts;
        assert_eq!(c.key_switches(), 105);
        // Stage by stage: levels from the depth finder, key switches from the op counter.
        let top = chain.max_level();
        let plains =
            plan.symbolic_plains(&crate::eval::SymbolicEvaluator::new(chain.clone())).unwrap();
        let stage =
            |level: usize,
             f: &dyn Fn(&OpCounter<DepthFinder>, &crate::Meta) -> Vec<crate::Meta>| {
                let e = OpCounter::wrap(DepthFinder::new(chain.clone()));
                let x = e.encrypt(&[0.5], level).unwrap();
                f(&e, &x);
                let counts = e.counts();
                (e.inner().depth(), counts.key_switches(), counts.hoisted_rotations)
            };
        let cts = stage(top, &|e, x| {
            let apply = plan.generic(e, &plains);
            plan.coeffs_to_slots(e, x, &plains, &apply).unwrap()
        });
        assert_eq!(cts, (4, 33, 20));
        let em = stage(top - 4, &|e, x| vec![plan.eval_mod(e, x).unwrap()]);
        assert_eq!(em, (10, 16, 0));
        let stc = stage(top - 14, &|e, x| {
            let apply = plan.generic(e, &plains);
            let parts = [*x, *x];
            vec![plan.slots_to_coeffs(e, &parts, &plains, &apply).unwrap()]
        });
        assert_eq!(stc, (3, 38, 21));
        assert_eq!(2 + cts.1 + 2 * em.1 + stc.1, c.key_switches());
    }
}
