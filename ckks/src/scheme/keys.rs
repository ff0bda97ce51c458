//! CKKS encryption and decryption with the keys of the RLWE layer ([`crate::rlwe::keys`]), and
//! secret-key ciphertexts kept seeded.

use super::ciphertext::{check_hash, Ciphertext, Plaintext};
use super::context::Context;
use crate::error::Result;
use crate::math::{Eval, Prng, RnsPoly};
pub use crate::rlwe::keys::{
    EvaluationKeys, GaloisKey, GaloisKeys, PublicKey, RelinearizationKey, SwitchingKey,
};
use crate::rlwe::keyswitch::mod_down;

/// The CKKS secret key: the RLWE secret held with its [`Context`] (generation and the
/// evaluation keys are the RLWE layer's, [`crate::rlwe::SecretKey`]; encryption and decryption
/// of CKKS plaintexts are here).
pub type SecretKey = crate::rlwe::SecretKey<Context>;

/// A ciphertext `(c_0, a)` encrypted with the secret key, `a` kept as the seed it is expanded
/// from.
#[derive(Clone, Debug, PartialEq)]
pub struct SeededCiphertext {
    pub(crate) c0: RnsPoly<Eval>,
    pub(crate) seed: [u8; 32],
    pub(crate) level: usize,
    pub(crate) scale: f64,
    pub(crate) params_hash: u64,
}

impl SeededCiphertext {
    /// The full ciphertext.
    ///
    /// # Panics
    /// If `ctx` is not the context this ciphertext was made in (check
    /// [`SeededCiphertext::params_hash`] first; readers do).
    pub fn expand(&self, ctx: &Context) -> Ciphertext {
        assert_eq!(ctx.hash(), self.params_hash, "a seeded ciphertext of other parameters");
        let basis = ctx.basis_q(self.level);
        let a = Prng::from_seed(self.seed).uniform_poly(ctx.n(), basis);
        Ciphertext {
            parts: vec![self.c0.clone(), a],
            level: self.level,
            scale: self.scale,
            params_hash: self.params_hash,
        }
    }

    /// The level.
    pub fn level(&self) -> usize {
        self.level
    }

    /// The hash of the parameters it belongs to.
    pub fn params_hash(&self) -> u64 {
        self.params_hash
    }

    /// Size in bytes: one polynomial and a seed.
    pub fn byte_size(&self) -> usize {
        self.c0.data().len() * 8 + 32
    }
}

impl SecretKey {
    /// The context this key belongs to.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// Encrypts `pt` under the secret key: `(-a s + e + m, a)` with `a` uniform, expanded from a
    /// fresh public seed (see [`SecretKey::encrypt_seeded`]).
    ///
    /// # Errors
    /// [`crate::CkksError::ContextMismatch`] if `pt` belongs to other parameters.
    pub fn encrypt(&self, pt: &Plaintext, prng: &mut Prng) -> Result<Ciphertext> {
        Ok(self.encrypt_seeded(pt, prng)?.expand(&self.ctx))
    }

    /// Encrypts `pt` and keeps `a` as the 32-byte seed it is expanded from: half the size to
    /// store or send ([`SeededCiphertext::expand`] restores the ciphertext).
    ///
    /// # Errors
    /// [`crate::CkksError::ContextMismatch`] if `pt` belongs to other parameters.
    pub fn encrypt_seeded(&self, pt: &Plaintext, prng: &mut Prng) -> Result<SeededCiphertext> {
        let ctx = &self.ctx;
        check_hash(ctx, pt.params_hash)?;
        let basis = ctx.basis_q(pt.level);
        let seed = prng.seed();
        let a = Prng::from_seed(seed).uniform_poly(ctx.n(), basis);
        let mut c0 = RnsPoly::from_signed(&prng.gaussian(ctx.n()), basis).into_eval(basis);
        let mut as_ = a;
        as_.mul_assign(&self.at_level(pt.level), basis);
        c0.sub_assign(&as_, basis);
        c0.add_assign(&pt.poly, basis);
        Ok(SeededCiphertext { c0, seed, level: pt.level, scale: pt.scale, params_hash: ctx.hash() })
    }

    /// Decrypts: `c_0 + c_1 s [+ c_2 s^2] mod Q_level`.
    ///
    /// # Errors
    /// [`crate::CkksError::ContextMismatch`] if `ct` belongs to other parameters.
    pub fn decrypt(&self, ct: &Ciphertext) -> Result<Plaintext> {
        let ctx = &self.ctx;
        check_hash(ctx, ct.params_hash)?;
        let basis = ctx.basis_q(ct.level);
        // Horner in s, reading s's first limbs in place.
        let mut m = ct.parts[ct.parts.len() - 1].mul_prefix(&self.qp, basis);
        for (i, part) in ct.parts[..ct.parts.len() - 1].iter().enumerate().rev() {
            m.add_assign(part, basis);
            if i > 0 {
                m = m.mul_prefix(&self.qp, basis);
            }
        }
        Ok(Plaintext { poly: m, level: ct.level, scale: ct.scale, params_hash: ctx.hash() })
    }
}

impl PublicKey {
    /// The key's limbs for `Q_level P`.
    fn at_level_of(&self, ctx: &Context, poly: &RnsPoly<Eval>, level: usize) -> RnsPoly<Eval> {
        let mut p = poly.sub_limbs(0..level + 1);
        p.extend(&poly.sub_limbs(ctx.max_level() + 1..poly.num_limbs()));
        p
    }

    /// Encrypts `pt`: `(u b + e_0, u a + e_1)` computed modulo `Q_l P` with `u` ternary, divided
    /// by `P` with rounding, plus `(m, 0)`.
    ///
    /// # Errors
    /// [`crate::CkksError::ContextMismatch`] if `pt` belongs to other parameters than `ctx`, or
    /// this key to other parameters than `ctx`.
    pub fn encrypt(&self, ctx: &Context, pt: &Plaintext, prng: &mut Prng) -> Result<Ciphertext> {
        check_hash(ctx, self.params_hash)?;
        check_hash(ctx, pt.params_hash)?;
        let n = ctx.n();
        let level = pt.level;
        let basis = ctx.basis_qp(level);
        let u = RnsPoly::from_signed(&prng.ternary(n), basis).into_eval(basis);
        let mut c0 = RnsPoly::from_signed(&prng.gaussian(n), basis).into_eval(basis);
        let mut c1 = RnsPoly::from_signed(&prng.gaussian(n), basis).into_eval(basis);
        c0.mul_add_assign(&u, &self.at_level_of(ctx, &self.b, level), basis);
        c1.mul_add_assign(&u, &self.at_level_of(ctx, &self.a, level), basis);
        let mut c0 = mod_down(ctx, c0, level);
        let c1 = mod_down(ctx, c1, level);
        c0.add_assign(&pt.poly, ctx.basis_q(level));
        Ok(Ciphertext { parts: vec![c0, c1], level, scale: pt.scale, params_hash: ctx.hash() })
    }
}
