//! Secret, public, relinearization and Galois keys, and their generation.
//!
//! Key switching is hybrid (Han-Ki, "Better Bootstrapping for Approximate Homomorphic
//! Encryption"): the ciphertext primes are split into `dnum` digits `Q_j`, and a switching key
//! from `s'` to `s` is, for each digit, `(b_j, a_j)` over `QP` with
//! `b_j = -a_j s + e_j + P [Q/Q_j]_{...} s'`, i.e. `P s'` added on the limbs of digit `j` only.

use super::ciphertext::{check_hash, Ciphertext, Plaintext};
use super::context::Context;
use super::keyswitch::mod_down;
use crate::error::Result;
use crate::math::poly::eval_automorphism_permutation;
use crate::math::{Eval, Prng, RnsPoly};
use std::collections::BTreeMap;
use zeroize::Zeroize;

/// The secret key `s`, a uniform ternary polynomial. Zeroized on drop; never part of the
/// evaluation keys a server receives.
pub struct SecretKey {
    pub(crate) ctx: Context,
    pub(crate) coeffs: Vec<i64>,
    /// `s` over the full basis `q_0..q_L, p_0..p_{k-1}`, evaluation form.
    qp: RnsPoly<Eval>,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(hidden)")
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.coeffs.zeroize();
        self.qp.data_mut().zeroize();
    }
}

/// The public encryption key `(b, a) = (-a s + e, a)` over `Q_L P`.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicKey {
    pub(crate) b: RnsPoly<Eval>,
    pub(crate) a: RnsPoly<Eval>,
    pub(crate) params_hash: u64,
}

/// A hybrid key-switching key: one `(b_j, a_j)` pair over `Q_L P` per digit.
#[derive(Clone, Debug, PartialEq)]
pub struct SwitchingKey {
    pub(crate) digits: Vec<(RnsPoly<Eval>, RnsPoly<Eval>)>,
    /// The public seeds each `a_j` was expanded from (before any permutation), when known: the
    /// serialized key stores them instead of the `a_j` (seeded compression).
    pub(crate) seeds: Option<Vec<[u8; 32]>>,
    pub(crate) params_hash: u64,
}

impl SwitchingKey {
    /// Size in bytes of the key's residues (no compression).
    pub fn byte_size(&self) -> usize {
        self.digits.iter().map(|(b, a)| (b.data().len() + a.data().len()) * 8).sum()
    }
}

/// The relinearization key: switches `s^2` to `s`.
#[derive(Clone, Debug, PartialEq)]
pub struct RelinearizationKey(pub(crate) SwitchingKey);

impl RelinearizationKey {
    /// Size in bytes of the key's residues (no compression).
    pub fn byte_size(&self) -> usize {
        self.0.byte_size()
    }
}

/// A Galois key: switches `sigma_g(s)` to `s`, with the evaluation-form permutation of
/// `X -> X^g` precomputed. The switching key is stored as `sigma_g^-1` of its digits, so that a
/// rotation can key-switch the unrotated `c_1` and permute once at the end.
#[derive(Clone, Debug, PartialEq)]
pub struct GaloisKey {
    pub(crate) key: SwitchingKey,
    pub(crate) galois_element: usize,
    pub(crate) permutation: Vec<u32>,
}

/// Galois keys indexed by Galois element.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GaloisKeys {
    pub(crate) keys: BTreeMap<usize, GaloisKey>,
}

impl GaloisKeys {
    /// The Galois elements for which a key exists.
    pub fn galois_elements(&self) -> Vec<usize> {
        self.keys.keys().copied().collect()
    }
    /// Size in bytes of all keys (no compression).
    pub fn byte_size(&self) -> usize {
        self.keys.values().map(|k| k.key.byte_size()).sum()
    }
    /// The number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }
    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

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

/// Everything a server needs to evaluate: public material only.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EvaluationKeys {
    /// The relinearization key, if multiplications are to be relinearized.
    pub relinearization: Option<RelinearizationKey>,
    /// Galois keys for exactly the rotations (and conjugation) the circuit uses.
    pub galois: GaloisKeys,
}

impl Context {
    /// The Galois element of a left rotation by `step` slots (negative: right).
    pub fn rotation_galois_element(&self, step: i64) -> usize {
        self.chain().rotation_galois_element(step)
    }

    /// The Galois element of complex conjugation, `2N - 1`.
    pub fn conjugation_galois_element(&self) -> usize {
        2 * self.n() - 1
    }
}

/// The inverse of the odd `g` modulo the power of two `m`.
pub(crate) fn inverse_mod_2n(g: usize, m: usize) -> usize {
    // g^(m/2 - 1) = g^-1 in the unit group of Z_m (of order m/2).
    let mut r = 1usize;
    let mut b = g % m;
    let mut e = m / 2 - 1;
    while e > 0 {
        if e & 1 == 1 {
            r = r * b % m;
        }
        b = b * b % m;
        e >>= 1;
    }
    r
}

impl SecretKey {
    /// A fresh uniform ternary secret.
    pub fn generate(ctx: &Context, prng: &mut Prng) -> Self {
        Self::from_coeffs(ctx, prng.ternary(ctx.n()))
    }

    /// The key with these ternary coefficients (as read back from storage).
    pub(crate) fn from_coeffs(ctx: &Context, coeffs: Vec<i64>) -> Self {
        let basis = ctx.basis_qp_top();
        let qp = RnsPoly::from_signed(&coeffs, basis).into_eval(basis);
        Self { ctx: ctx.clone(), coeffs, qp }
    }

    /// The context this key belongs to.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// `s` over `q_0..q_level`, evaluation form.
    fn at_level(&self, level: usize) -> RnsPoly<Eval> {
        self.qp.sub_limbs(0..level + 1)
    }

    /// A public key `(-a s + e, a)` over the full basis `Q_L P`. Encryption works modulo
    /// `Q_l P` and divides by `P` at the end, so the encryption noise shrinks to rounding noise
    /// (as Microsoft SEAL does).
    pub fn public_key(&self, prng: &mut Prng) -> PublicKey {
        let ctx = &self.ctx;
        let basis = ctx.basis_qp_top();
        let a = prng.uniform_poly(ctx.n(), basis);
        let mut b = RnsPoly::from_signed(&prng.gaussian(ctx.n()), basis).into_eval(basis);
        let mut as_ = a.clone();
        as_.mul_assign(&self.qp, basis);
        b.sub_assign(&as_, basis);
        PublicKey { b, a, params_hash: ctx.hash() }
    }

    /// A switching key from `s_prime` (over the full `QP` basis, evaluation form) to `s`.
    pub(crate) fn switching_key(&self, s_prime: &RnsPoly<Eval>, prng: &mut Prng) -> SwitchingKey {
        let ctx = &self.ctx;
        let basis = ctx.basis_qp_top();
        let n = ctx.n();
        let mut seeds = Vec::with_capacity(ctx.digits().len());
        let digits = ctx
            .digits()
            .iter()
            .map(|digit| {
                let seed = prng.seed();
                seeds.push(seed);
                let a = Prng::from_seed(seed).uniform_poly(n, basis);
                let mut b = RnsPoly::from_signed(&prng.gaussian(n), basis).into_eval(basis);
                let mut as_ = a.clone();
                as_.mul_assign(&self.qp, basis);
                b.sub_assign(&as_, basis);
                for i in digit.clone() {
                    let q = basis[i].modulus();
                    let p = ctx.p_mod_q()[i];
                    let ps = q.shoup(p);
                    let sp = s_prime.limb(i).to_vec();
                    for (x, &v) in b.limb_mut(i).iter_mut().zip(&sp) {
                        *x = q.add(*x, q.mul_shoup(v, p, ps));
                    }
                }
                (b, a)
            })
            .collect();
        SwitchingKey { digits, seeds: Some(seeds), params_hash: ctx.hash() }
    }

    /// The relinearization key (switches `s^2` to `s`).
    pub fn relinearization_key(&self, prng: &mut Prng) -> RelinearizationKey {
        let mut s2 = self.qp.clone();
        s2.mul_assign(&self.qp, self.ctx.basis_qp_top());
        let k = RelinearizationKey(self.switching_key(&s2, prng));
        s2.data_mut().zeroize();
        k
    }

    /// The Galois key for the automorphism `X -> X^g`.
    ///
    /// # Panics
    /// If `g` is even.
    pub fn galois_key(&self, g: usize, prng: &mut Prng) -> GaloisKey {
        let n = self.ctx.n();
        let g = g % (2 * n);
        let permutation = eval_automorphism_permutation(n, g);
        let mut sg = self.qp.permute(&permutation);
        let mut key = self.switching_key(&sg, prng);
        sg.data_mut().zeroize();
        // Store sigma^-1 of the key: sum_j sigma(D_j) k_j = sigma(sum_j D_j sigma^-1(k_j)), so a
        // rotation switches the unrotated c_1 and applies sigma once at the end, and hoisted
        // rotations share the decomposition without permuting it.
        let inverse = eval_automorphism_permutation(n, inverse_mod_2n(g, 2 * n));
        for (b, a) in &mut key.digits {
            *b = b.permute(&inverse);
            *a = a.permute(&inverse);
        }
        GaloisKey { key, galois_element: g, permutation }
    }

    /// Galois keys for exactly the given rotation steps (left for positive steps, right for
    /// negative) and, if asked, for conjugation. Steps that are multiples of the slot count
    /// need no key and are skipped.
    pub fn galois_keys(&self, steps: &[i64], conjugation: bool, prng: &mut Prng) -> GaloisKeys {
        let slots = self.ctx.slots() as i64;
        let mut elements: Vec<usize> = steps
            .iter()
            .filter(|&&s| s.rem_euclid(slots) != 0)
            .map(|&s| self.ctx.rotation_galois_element(s))
            .collect();
        if conjugation {
            elements.push(self.ctx.conjugation_galois_element());
        }
        elements.sort_unstable();
        elements.dedup();
        let keys = elements.into_iter().map(|g| (g, self.galois_key(g, prng))).collect();
        GaloisKeys { keys }
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
    /// The hash of the parameters this key belongs to.
    pub fn params_hash(&self) -> u64 {
        self.params_hash
    }

    /// The key's limbs for `Q_level P`.
    fn at_level(&self, ctx: &Context, poly: &RnsPoly<Eval>, level: usize) -> RnsPoly<Eval> {
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
        c0.mul_add_assign(&u, &self.at_level(ctx, &self.b, level), basis);
        c1.mul_add_assign(&u, &self.at_level(ctx, &self.a, level), basis);
        let mut c0 = mod_down(ctx, c0, level);
        let c1 = mod_down(ctx, c1, level);
        c0.add_assign(&pt.poly, ctx.basis_q(level));
        Ok(Ciphertext { parts: vec![c0, c1], level, scale: pt.scale, params_hash: ctx.hash() })
    }
}
