//! Sparse-secret encapsulation (Bossuat, Troncoso-Pastoriza, Hubaux, "Bootstrapping for
//! Approximate Homomorphic Encryption with Negligible Failure-Probability by Using
//! Sparse-Secret Encapsulation", ACNS 2022).
//!
//! The secret key `s` stays uniform ternary, so the HE standard's bound on `log2(QP)` keeps
//! applying to every key and ciphertext of the parameter set. Only for the modulus raise is a
//! level-0 ciphertext switched to an ephemeral secret `s'` with `h` nonzero coefficients
//! (`+-1`), raised, and switched back to `s` at the top level:
//!
//! - the key `s -> s'` is an RLWE sample under the sparse `s'`, but only modulo `q_0 p_0` (the
//!   first ciphertext prime and the first special prime): for `N = 2^16` and `h = 32`, a
//!   modulus of at most 121 bits is 128-bit secure (the estimate of the paper above, the
//!   ephemeral-secret default of Lattigo's bootstrapping);
//! - the key `s' -> s` is an ordinary switching key under `s`, modulo `Q_L P`, covered by the
//!   HE-standard bound.
//!
//! Raised under `s'`, the plaintext is `c_0 + c_1 s' = m + q_0 I` over the integers with
//! `c_0 = [m - c_1 s']_{q_0}` and `|c_1| <= q_0 / 2` (centred residues), so
//! `I = round(c_1 s' / q_0)` and `|I| <= h / 2` always: the modular-reduction interval
//! `[-K, K]` with `K >= h / 2 + 1/2` never fails.

use crate::error::{CkksError, ParameterFault, Result};
use crate::math::{Basis, Eval, NttTable, Prng, RnsPoly};
use crate::rlwe::keyswitch::key_switch;
use crate::scheme::{Ciphertext, Context, SecretKey, Security, SwitchingKey};
use std::sync::Arc;
use zeroize::Zeroize;

/// The largest `log2(q_0 p_0)` claimed 128-bit secure for the sparse key with `h >= 32`
/// nonzero coefficients at `N >= 2^16` (Bossuat et al. 2022).
pub const MAX_LOG_Q0P0: f64 = 121.0;
/// The least Hamming weight the security claim covers.
pub const MIN_HAMMING_WEIGHT: usize = 32;
/// The least `log2 N` the security claim covers.
pub const MIN_LOG_N: u32 = 16;

/// The keys of sparse-secret encapsulation: `s -> s'` modulo `q_0 p_0` and `s' -> s` modulo
/// `Q_L P`. Public material (a server holds them).
#[derive(Clone, Debug, PartialEq)]
pub struct EncapsulationKeys {
    pub(super) hamming_weight: usize,
    /// `(b, a)` over `[q_0, p_0]`, evaluation form: `b = -a s' + e + p_0 s`.
    pub(super) down: (RnsPoly<Eval>, RnsPoly<Eval>),
    pub(super) up: SwitchingKey,
    pub(super) params_hash: u64,
}

/// The basis `[q_0, p_0]` of the key `s -> s'`.
pub(super) fn small_basis(ctx: &Context) -> Vec<Arc<NttTable>> {
    vec![ctx.basis_q(0)[0].clone(), ctx.p_basis()[0].clone()]
}

/// `log2(q_0 p_0)`: the modulus of the key under the sparse secret.
pub fn log_q0p0(ctx: &Context) -> f64 {
    small_basis(ctx).iter().map(|t| (t.modulus().value() as f64).log2()).sum()
}

/// Checks the security claim for the sparse key (skipped for
/// [`Security::InsecureToyParameters`]).
///
/// # Errors
/// [`CkksError::InsecureParameters`]-like [`CkksError::InsecureBootstrapping`] naming what
/// falls outside the claim: `N < 2^16`, `h < 32`, or `log2(q_0 p_0) > 121`.
pub fn check_security(ctx: &Context, hamming_weight: usize) -> Result<()> {
    if ctx.literal().security == Security::InsecureToyParameters {
        return Ok(());
    }
    let log = log_q0p0(ctx);
    if ctx.log_n() < MIN_LOG_N || hamming_weight < MIN_HAMMING_WEIGHT || log > MAX_LOG_Q0P0 {
        return Err(CkksError::InsecureBootstrapping {
            log_n: ctx.log_n(),
            hamming_weight,
            log_q0p0: log,
        });
    }
    Ok(())
}

/// `h` distinct positions out of `n`, each `+-1`: the ephemeral secret.
fn sparse_ternary(n: usize, h: usize, prng: &mut Prng) -> Vec<i64> {
    let mut positions: Vec<usize> = (0..n).collect();
    let mut s = vec![0i64; n];
    for i in 0..h {
        let j = i + prng.uniform_below((n - i) as u64) as usize;
        positions.swap(i, j);
        s[positions[i]] = if prng.uniform_below(2) == 0 { 1 } else { -1 };
    }
    s
}

impl EncapsulationKeys {
    /// Draws an ephemeral secret of Hamming weight `hamming_weight` and generates both
    /// switching keys (the ephemeral secret is zeroized afterwards).
    ///
    /// # Errors
    /// [`CkksError::InsecureBootstrapping`] outside the security claim (see
    /// [`check_security`]); [`CkksError::InvalidParameters`] for a weight above `N`.
    pub fn generate(sk: &SecretKey, hamming_weight: usize, prng: &mut Prng) -> Result<Self> {
        let ctx = sk.context();
        check_security(ctx, hamming_weight)?;
        if hamming_weight == 0 || hamming_weight > ctx.n() {
            return Err(CkksError::InvalidParameters(ParameterFault::HammingWeight {
                weight: hamming_weight,
                n: ctx.n(),
            }));
        }
        let mut sparse = sparse_ternary(ctx.n(), hamming_weight, prng);
        let keys = Self::from_sparse(sk, &sparse, prng);
        sparse.zeroize();
        Ok(keys)
    }

    fn from_sparse(sk: &SecretKey, sparse: &[i64], prng: &mut Prng) -> Self {
        let ctx = sk.context();
        let n = ctx.n();
        let basis = small_basis(ctx);
        let mut s = RnsPoly::from_signed(&sk.coeffs, &basis).into_eval(&basis);
        let mut s_sparse = RnsPoly::from_signed(sparse, &basis).into_eval(&basis);
        let a = prng.uniform_poly(n, &basis);
        let mut b = RnsPoly::from_signed(&prng.gaussian(n), &basis).into_eval(&basis);
        let mut as_ = a.clone();
        as_.mul_assign(&s_sparse, &basis);
        b.sub_assign(&as_, &basis);
        // + p_0 s on the q_0 limb (it is 0 modulo p_0).
        let q0 = basis[0].modulus();
        let p0 = q0.reduce(basis[1].modulus().value());
        let p0_shoup = q0.shoup(p0);
        for (x, &v) in b.limb_mut(0).iter_mut().zip(s.limb(0)) {
            *x = q0.add(*x, q0.mul_shoup(v, p0, p0_shoup));
        }
        s.data_mut().zeroize();
        s_sparse.data_mut().zeroize();
        let top = ctx.basis_qp_top();
        let mut sparse_qp = RnsPoly::from_signed(sparse, top).into_eval(top);
        let up = sk.switching_key(&sparse_qp, prng);
        sparse_qp.data_mut().zeroize();
        Self {
            hamming_weight: sparse.iter().filter(|&&x| x != 0).count(),
            down: (b, a),
            up,
            params_hash: ctx.hash(),
        }
    }

    /// The Hamming weight `h` of the ephemeral secret.
    pub fn hamming_weight(&self) -> usize {
        self.hamming_weight
    }

    /// The hash of the parameters the keys belong to.
    pub fn params_hash(&self) -> u64 {
        self.params_hash
    }

    /// Size in bytes of both keys' residues.
    pub fn byte_size(&self) -> usize {
        (self.down.0.data().len() + self.down.1.data().len()) * 8 + self.up.byte_size()
    }

    /// Switches a level-0 ciphertext from `s` to `s'`: `c_1` lifted to `[q_0, p_0]`, its
    /// products with the key, divided by `p_0` with rounding.
    pub(crate) fn to_sparse(&self, ctx: &Context, ct: &Ciphertext) -> Ciphertext {
        assert_eq!(ct.level, 0, "encapsulation works at level 0");
        let basis = small_basis(ctx);
        let (tq, tp) = (&basis[0], &basis[1]);
        let (q0, p0) = (tq.modulus(), tp.modulus());
        let n = ctx.n();
        let mut c1 = ct.parts[1].limb(0).to_vec();
        tq.inverse(&mut c1);
        let mut lifted: Vec<u64> = c1.iter().map(|&x| p0.reduce_i64(q0.center(x))).collect();
        tp.forward(&mut lifted);
        let mut digit = ct.parts[1].limb(0).to_vec();
        digit.extend_from_slice(&lifted);
        let digit = RnsPoly::<Eval>::from_data(n, digit);
        let p_inv = q0.inv(q0.reduce(p0.value())).expect("distinct primes");
        let p_inv_shoup = q0.shoup(p_inv);
        let down = |key: &RnsPoly<Eval>| -> RnsPoly<Eval> {
            let prod = digit.mul_prefix(key, &basis);
            let mut hi = prod.limb(1).to_vec();
            tp.inverse(&mut hi);
            let mut hi: Vec<u64> = hi.iter().map(|&x| q0.reduce_i64(p0.center(x))).collect();
            tq.forward(&mut hi);
            let lo: Vec<u64> = prod
                .limb(0)
                .iter()
                .zip(&hi)
                .map(|(&x, &y)| q0.mul_shoup(q0.sub(x, y), p_inv, p_inv_shoup))
                .collect();
            RnsPoly::from_data(n, lo)
        };
        let mut c0 = ct.parts[0].clone();
        c0.add_assign(&down(&self.down.0), ctx.basis_q(0));
        Ciphertext { parts: vec![c0, down(&self.down.1)], ..ct.clone() }
    }

    /// Switches a ciphertext from `s'` back to `s` at its level (one key switch).
    pub(crate) fn to_dense(&self, ctx: &Context, ct: &Ciphertext) -> Ciphertext {
        let basis: &Basis = ctx.basis_q(ct.level);
        let (u0, u1) = key_switch(ctx, &ct.parts[1], ct.level, &self.up);
        let mut c0 = ct.parts[0].clone();
        c0.add_assign(&u0, basis);
        Ciphertext { parts: vec![c0, u1], ..ct.clone() }
    }

    /// Keys for a known ephemeral secret (tests of the modulus raise against big integers).
    #[cfg(test)]
    pub(crate) fn with_secret(sk: &SecretKey, sparse: &[i64], prng: &mut Prng) -> Self {
        Self::from_sparse(sk, sparse, prng)
    }
}
