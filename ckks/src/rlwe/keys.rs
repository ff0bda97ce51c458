//! Secret, public, switching, relinearization and Galois keys, and their generation.
//!
//! Key switching is hybrid (Han-Ki, "Better Bootstrapping for Approximate Homomorphic
//! Encryption"): the ciphertext primes are split into `dnum` digits `Q_j`, and a switching key
//! from `s'` to `s` is, for each digit, `(b_j, a_j)` over `QP` with
//! `b_j = -a_j s + e_j + P [Q/Q_j]_{...} s'`, i.e. `P s'` added on the limbs of digit `j` only.

use super::galois::inverse_mod_2n;
use super::ring::RingContext;
use crate::math::poly::eval_automorphism_permutation;
use crate::math::{Eval, Prng, RnsPoly};
use std::collections::BTreeMap;
use zeroize::Zeroize;

/// The secret key `s`, a uniform ternary polynomial, held with the parameters `P` it belongs to
/// (the ring itself, or a scheme's context that derefs to it: [`crate::SecretKey`] is
/// `SecretKey<Context>`). Zeroized on drop; never part of the evaluation keys a server receives.
pub struct SecretKey<P: AsRef<RingContext> = RingContext> {
    pub(crate) ctx: P,
    pub(crate) coeffs: Vec<i64>,
    /// `s` over the full basis `q_0..q_L, p_0..p_{k-1}`, evaluation form.
    pub(crate) qp: RnsPoly<Eval>,
}

impl<P: AsRef<RingContext>> std::fmt::Debug for SecretKey<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(hidden)")
    }
}

impl<P: AsRef<RingContext>> Drop for SecretKey<P> {
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

impl PublicKey {
    /// The hash of the parameters this key belongs to.
    pub fn params_hash(&self) -> u64 {
        self.params_hash
    }
}

/// A hybrid key-switching key: one `(b_j, a_j)` pair over `Q_L P` per digit, or, restricted to
/// a level `l < L` ([`SecretKey::galois_keys_at`]), over `Q_l P` for the digits that start at or
/// below `l`: all a switch at level `l` or below reads.
#[derive(Clone, Debug, PartialEq)]
pub struct SwitchingKey {
    pub(crate) digits: Vec<(RnsPoly<Eval>, RnsPoly<Eval>)>,
    /// The highest level the key switches at (`L` for a full key).
    pub(crate) level: usize,
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

    /// The highest level the key switches at: the top of the chain, or the level it was
    /// restricted to.
    pub fn level(&self) -> usize {
        self.level
    }

    /// The key with only the limbs (`q_0 .. q_level` and `P`) and digits (those that start at
    /// or below `level`) a switch at `level` or below reads; the seeds of the kept digits stay
    /// (the serialized key stores them instead of the `a_j`). A key already at or below
    /// `level` is returned whole.
    pub(crate) fn restricted(self, ring: &RingContext, level: usize) -> SwitchingKey {
        if level >= self.level {
            return self;
        }
        let digits: Vec<_> = ring
            .digits()
            .iter()
            .zip(&self.digits)
            .filter(|(d, _)| d.start <= level)
            .map(|(_, (b, a))| {
                (
                    restrict_limbs(ring, b, self.level, level),
                    restrict_limbs(ring, a, self.level, level),
                )
            })
            .collect();
        let seeds = self.seeds.as_ref().map(|s| s[..digits.len()].to_vec());
        SwitchingKey { digits, level, seeds, params_hash: self.params_hash }
    }
}

/// The limbs `q_0 .. q_level` and `P` of a polynomial over `Q_from P`.
pub(crate) fn restrict_limbs(
    ring: &RingContext,
    p: &RnsPoly<Eval>,
    from: usize,
    level: usize,
) -> RnsPoly<Eval> {
    let n = ring.n();
    let mut data = p.data()[..(level + 1) * n].to_vec();
    data.extend_from_slice(&p.data()[(from + 1) * n..]);
    RnsPoly::from_data(n, data)
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

impl GaloisKey {
    /// The Galois element `g` of the automorphism `X -> X^g`.
    pub fn galois_element(&self) -> usize {
        self.galois_element
    }

    /// The highest level the key rotates at ([`SwitchingKey::level`]).
    pub fn level(&self) -> usize {
        self.key.level
    }

    /// Size in bytes of the key's residues (no compression).
    pub fn byte_size(&self) -> usize {
        self.key.byte_size()
    }

    /// The key restricted to `level` ([`SwitchingKey::restricted`]).
    pub(crate) fn restricted(self, ring: &RingContext, level: usize) -> GaloisKey {
        GaloisKey { key: self.key.restricted(ring, level), ..self }
    }
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
    /// The key of Galois element `g`, if there is one.
    pub fn get(&self, g: usize) -> Option<&GaloisKey> {
        self.keys.get(&g)
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

    /// Adds the keys of `other` (moved, not copied); a key of a Galois element already here is
    /// kept, `other`'s dropped.
    pub fn extend(&mut self, other: GaloisKeys) {
        for (g, k) in other.keys {
            self.keys.entry(g).or_insert(k);
        }
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

impl<P: AsRef<RingContext> + Clone> SecretKey<P> {
    /// A fresh uniform ternary secret.
    pub fn generate(ctx: &P, prng: &mut Prng) -> Self {
        Self::from_coeffs(ctx, prng.ternary(ctx.as_ref().n()))
    }

    /// The key with these ternary coefficients (as read back from storage).
    pub(crate) fn from_coeffs(ctx: &P, coeffs: Vec<i64>) -> Self {
        let basis = ctx.as_ref().basis_qp_top();
        let qp = RnsPoly::from_signed(&coeffs, basis).into_eval(basis);
        Self { ctx: ctx.clone(), coeffs, qp }
    }
}

impl<P: AsRef<RingContext>> SecretKey<P> {
    /// The ring this key belongs to.
    pub fn ring(&self) -> &RingContext {
        self.ctx.as_ref()
    }

    /// `s` over `q_0..q_level`, evaluation form.
    pub(crate) fn at_level(&self, level: usize) -> RnsPoly<Eval> {
        self.qp.sub_limbs(0..level + 1)
    }

    /// A public key `(-a s + e, a)` over the full basis `Q_L P`. Encryption works modulo
    /// `Q_l P` and divides by `P` at the end, so the encryption noise shrinks to rounding noise
    /// (as Microsoft SEAL does).
    pub fn public_key(&self, prng: &mut Prng) -> PublicKey {
        let ctx = self.ring();
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
        let ctx = self.ring();
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
        SwitchingKey { digits, level: ctx.max_level(), seeds: Some(seeds), params_hash: ctx.hash() }
    }

    /// The relinearization key (switches `s^2` to `s`).
    pub fn relinearization_key(&self, prng: &mut Prng) -> RelinearizationKey {
        let mut s2 = self.qp.clone();
        s2.mul_assign(&self.qp, self.ring().basis_qp_top());
        let k = RelinearizationKey(self.switching_key(&s2, prng));
        s2.data_mut().zeroize();
        k
    }

    /// The Galois key for the automorphism `X -> X^g`.
    ///
    /// # Panics
    /// If `g` is even.
    pub fn galois_key(&self, g: usize, prng: &mut Prng) -> GaloisKey {
        let n = self.ring().n();
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
    /// `N/2` need no key and are skipped.
    pub fn galois_keys(&self, steps: &[i64], conjugation: bool, prng: &mut Prng) -> GaloisKeys {
        self.galois_keys_at(steps, conjugation, self.ring().max_level(), prng)
    }

    /// [`SecretKey::galois_keys`] restricted to rotations at `level` or below
    /// (the limbs `q_0 .. q_level` and `P`, the digits that start at or below `level`, as
    /// [`SwitchingKey::level`] reports): a circuit below the bootstrapping levels needs only the
    /// primes of its own levels and the digits that reach them (a quarter of a full key at
    /// `N = 2^16` with 14 of 31 levels and 11 digits). Rotating a ciphertext above `level` is a
    /// typed error ([`crate::CkksError::GaloisKeyLevel`]).
    pub fn galois_keys_at(
        &self,
        steps: &[i64],
        conjugation: bool,
        level: usize,
        prng: &mut Prng,
    ) -> GaloisKeys {
        let ring = self.ring();
        let slots = (ring.n() / 2) as i64;
        let mut elements: Vec<usize> = steps
            .iter()
            .filter(|&&s| s.rem_euclid(slots) != 0)
            .map(|&s| ring.rotation_galois_element(s))
            .collect();
        if conjugation {
            elements.push(ring.conjugation_galois_element());
        }
        elements.sort_unstable();
        elements.dedup();
        let keys = elements
            .into_iter()
            .map(|g| (g, self.galois_key(g, prng).restricted(ring, level)))
            .collect();
        GaloisKeys { keys }
    }
}
