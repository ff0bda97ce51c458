//! Homomorphic evaluation: additions, multiplications, relinearization, rescaling, level drops,
//! rotations (single and hoisted) and conjugation. Every precondition is checked and reported
//! as a [`CkksError`].

use super::ciphertext::{check_hash, Ciphertext, Plaintext};
use super::context::Context;
use super::rules;
use crate::error::{CkksError, Result};
use crate::math::poly::for_each_limb;
use crate::math::simd::pointwise;
use crate::math::{Basis, Eval, RnsPoly};
use crate::rlwe::keys::{EvaluationKeys, GaloisKey};
use crate::rlwe::keyswitch::{decompose, inner_product, key_switch_with, mod_down, Epilogue};
use std::sync::Arc;

/// Evaluates on ciphertexts of one context with one set of evaluation keys (public material
/// only).
#[derive(Clone, Debug)]
pub struct Evaluator {
    ctx: Context,
    keys: Arc<EvaluationKeys>,
}

impl Evaluator {
    /// An evaluator for `ctx` with the given keys.
    ///
    /// # Errors
    /// [`CkksError::ContextMismatch`] if a key belongs to other parameters.
    pub fn new(ctx: &Context, keys: impl Into<Arc<EvaluationKeys>>) -> Result<Self> {
        let keys = keys.into();
        if let Some(rk) = &keys.relinearization {
            check_hash(ctx, rk.0.params_hash)?;
        }
        for k in keys.galois.keys.values() {
            check_hash(ctx, k.key.params_hash)?;
        }
        Ok(Self { ctx: ctx.clone(), keys })
    }

    /// The context.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// The evaluation keys.
    pub fn keys(&self) -> &EvaluationKeys {
        &self.keys
    }

    fn check_ct(&self, ct: &Ciphertext) -> Result<()> {
        check_hash(&self.ctx, ct.params_hash)
    }

    fn check_pair(&self, a: &Ciphertext, b_hash: u64) -> Result<()> {
        self.check_ct(a)?;
        check_hash(&self.ctx, b_hash)
    }

    // ----- additive operations -------------------------------------------------------------

    /// `a + b`. Same level and scale; sizes may differ (the result has the larger).
    ///
    /// # Errors
    /// [`CkksError::LevelMismatch`], [`CkksError::ScaleMismatch`], [`CkksError::ContextMismatch`].
    pub fn add(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext> {
        self.combine(a, b, false)
    }

    /// `a += b`.
    ///
    /// # Errors
    /// As [`Evaluator::add`].
    pub fn add_assign(&self, a: &mut Ciphertext, b: &Ciphertext) -> Result<()> {
        self.combine_assign(a, b, false)
    }

    /// `a - b`.
    ///
    /// # Errors
    /// As [`Evaluator::add`].
    pub fn sub(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext> {
        self.combine(a, b, true)
    }

    /// `a +- b` into a new ciphertext, without copying `a` first.
    fn combine(&self, a: &Ciphertext, b: &Ciphertext, subtract: bool) -> Result<Ciphertext> {
        self.check_pair(a, b.params_hash)?;
        rules::add(&a.meta(), &b.meta())?;
        let basis = self.ctx.basis_q(a.level);
        let common = a.parts.len().min(b.parts.len());
        let mut parts: Vec<RnsPoly<Eval>> = (0..common)
            .map(|i| {
                if subtract {
                    a.parts[i].sub(&b.parts[i], basis)
                } else {
                    a.parts[i].add(&b.parts[i], basis)
                }
            })
            .collect();
        parts.extend(a.parts[common..].iter().cloned());
        for extra in &b.parts[common..] {
            let mut p = extra.clone();
            if subtract {
                p.neg_assign(basis);
            }
            parts.push(p);
        }
        Ok(Ciphertext { parts, level: a.level, scale: a.scale, params_hash: a.params_hash })
    }

    /// `a -= b`.
    ///
    /// # Errors
    /// As [`Evaluator::add`].
    pub fn sub_assign(&self, a: &mut Ciphertext, b: &Ciphertext) -> Result<()> {
        self.combine_assign(a, b, true)
    }

    fn combine_assign(&self, a: &mut Ciphertext, b: &Ciphertext, subtract: bool) -> Result<()> {
        self.check_pair(a, b.params_hash)?;
        rules::add(&a.meta(), &b.meta())?;
        let basis = self.ctx.basis_q(a.level);
        while a.parts.len() < b.parts.len() {
            a.parts.push(RnsPoly::zero(self.ctx.n(), a.level + 1));
        }
        for (x, y) in a.parts.iter_mut().zip(&b.parts) {
            if subtract {
                x.sub_assign(y, basis);
            } else {
                x.add_assign(y, basis);
            }
        }
        Ok(())
    }

    /// `-a`.
    ///
    /// # Errors
    /// [`CkksError::ContextMismatch`].
    pub fn neg(&self, a: &Ciphertext) -> Result<Ciphertext> {
        let mut r = a.clone();
        self.neg_assign(&mut r)?;
        Ok(r)
    }

    /// `a = -a`.
    ///
    /// # Errors
    /// [`CkksError::ContextMismatch`].
    pub fn neg_assign(&self, a: &mut Ciphertext) -> Result<()> {
        self.check_ct(a)?;
        let basis = self.ctx.basis_q(a.level);
        for p in &mut a.parts {
            p.neg_assign(basis);
        }
        Ok(())
    }

    /// `a + pt` (same level and scale).
    ///
    /// # Errors
    /// [`CkksError::LevelMismatch`], [`CkksError::ScaleMismatch`], [`CkksError::ContextMismatch`].
    pub fn add_plain(&self, a: &Ciphertext, pt: &Plaintext) -> Result<Ciphertext> {
        let mut r = a.clone();
        self.add_plain_assign(&mut r, pt)?;
        Ok(r)
    }

    /// `a += pt`.
    ///
    /// # Errors
    /// As [`Evaluator::add_plain`].
    pub fn add_plain_assign(&self, a: &mut Ciphertext, pt: &Plaintext) -> Result<()> {
        self.check_pair(a, pt.params_hash)?;
        rules::add_plain(&a.meta(), &pt.meta())?;
        a.parts[0].add_assign(&pt.poly, self.ctx.basis_q(a.level));
        Ok(())
    }

    /// `a - pt`.
    ///
    /// # Errors
    /// As [`Evaluator::add_plain`].
    pub fn sub_plain(&self, a: &Ciphertext, pt: &Plaintext) -> Result<Ciphertext> {
        self.check_pair(a, pt.params_hash)?;
        rules::add_plain(&a.meta(), &pt.meta())?;
        let mut r = a.clone();
        r.parts[0].sub_assign(&pt.poly, self.ctx.basis_q(a.level));
        Ok(r)
    }

    /// `a + c` for a real constant `c`, encoded at `a`'s scale (no level consumed).
    ///
    /// # Errors
    /// [`CkksError::EncodingOverflow`] if `c * scale` does not fit, [`CkksError::ContextMismatch`].
    pub fn add_const(&self, a: &Ciphertext, c: f64) -> Result<Ciphertext> {
        self.check_ct(a)?;
        rules::add_const(self.ctx.chain(), &a.meta(), c)?;
        let mut r = a.clone();
        let v = rules::scaled_int(c * a.scale, self.ctx.log_q(a.level) - 1.0, c, a.scale)?;
        // The constant polynomial v evaluates to v at every NTT point.
        let basis = self.ctx.basis_q(a.level);
        let n = self.ctx.n();
        for_each_limb(r.parts[0].data_mut(), n, basis, |l, t| {
            let q = t.modulus();
            let r = v.residue(q);
            for x in l {
                *x = q.add(*x, r);
            }
        });
        Ok(r)
    }

    // ----- multiplicative operations -------------------------------------------------------

    /// `a * pt`: the scale becomes `a.scale * pt.scale` (rescale afterwards).
    ///
    /// # Errors
    /// [`CkksError::LevelMismatch`], [`CkksError::ContextMismatch`].
    pub fn mul_plain(&self, a: &Ciphertext, pt: &Plaintext) -> Result<Ciphertext> {
        self.check_pair(a, pt.params_hash)?;
        let m = rules::mul_plain(&a.meta(), &pt.meta())?;
        let basis = self.ctx.basis_q(a.level);
        let parts = a.parts.iter().map(|p| p.mul_prefix(&pt.poly, basis)).collect();
        Ok(Ciphertext { parts, level: m.level, scale: m.scale, params_hash: a.params_hash })
    }

    /// `a *= pt`.
    ///
    /// # Errors
    /// As [`Evaluator::mul_plain`].
    pub fn mul_plain_assign(&self, a: &mut Ciphertext, pt: &Plaintext) -> Result<()> {
        self.check_pair(a, pt.params_hash)?;
        let m = rules::mul_plain(&a.meta(), &pt.meta())?;
        let basis = self.ctx.basis_q(a.level);
        for p in &mut a.parts {
            p.mul_assign(&pt.poly, basis);
        }
        a.scale = m.scale;
        Ok(())
    }

    /// `a * c` for a real constant `c`. For a ciphertext at its level's nominal scale `s_l`
    /// (within a factor of two), `c` is encoded at `s_{l-1} q_l / a.scale` (about `s_l`), the
    /// scale that makes the following rescale land exactly on the nominal `s_{l-1}`; otherwise
    /// (for instance a product not yet rescaled) at `s_l`. The result's scale is
    /// `a.scale` times that scale.
    ///
    /// # Errors
    /// [`CkksError::EncodingOverflow`] if the scaled constant does not fit,
    /// [`CkksError::ContextMismatch`].
    pub fn mul_const(&self, a: &Ciphertext, c: f64) -> Result<Ciphertext> {
        self.check_ct(a)?;
        self.mul_const_at_scale(a, c, rules::const_scale(self.ctx.chain(), &a.meta()))
    }

    /// `a * c` for a real constant `c` encoded at an explicit `scale`: the result's scale is
    /// `a.scale * scale`, no level consumed (rescale afterwards as the scale requires).
    ///
    /// # Errors
    /// [`CkksError::EncodingOverflow`] if the scaled constant does not fit or the scale is not
    /// at least 1, [`CkksError::ContextMismatch`].
    pub fn mul_const_at_scale(&self, a: &Ciphertext, c: f64, scale: f64) -> Result<Ciphertext> {
        self.check_ct(a)?;
        let m = rules::mul_const_at_scale(self.ctx.chain(), &a.meta(), c, scale)?;
        let l = a.level;
        let v = rules::scaled_int(c * scale, self.ctx.log_q(l) - 1.0, c, scale)?;
        let basis = self.ctx.basis_q(l);
        let scalars: Vec<u64> = basis.iter().map(|t| v.residue(t.modulus())).collect();
        let mut r = a.clone();
        for p in &mut r.parts {
            p.mul_scalar_assign(&scalars, basis);
        }
        r.scale = m.scale;
        Ok(r)
    }

    /// `a * k` for an integer `k`: no scale change, no level consumed.
    ///
    /// # Errors
    /// [`CkksError::EncodingOverflow`] if `|k|` does not fit in half of `Q_l`,
    /// [`CkksError::ContextMismatch`].
    pub fn mul_integer(&self, a: &Ciphertext, k: i64) -> Result<Ciphertext> {
        self.check_ct(a)?;
        rules::mul_integer(self.ctx.chain(), &a.meta(), k)?;
        let basis = self.ctx.basis_q(a.level);
        let scalars: Vec<u64> = basis.iter().map(|t| t.modulus().reduce_i64(k)).collect();
        let mut r = a.clone();
        for p in &mut r.parts {
            p.mul_scalar_assign(&scalars, basis);
        }
        Ok(r)
    }

    /// `a * b` without relinearization: a three-component ciphertext at scale
    /// `a.scale * b.scale`.
    ///
    /// # Errors
    /// [`CkksError::LevelMismatch`], [`CkksError::NeedsRelinearization`] if an operand already
    /// has three components, [`CkksError::ContextMismatch`].
    pub fn mul(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext> {
        self.check_pair(a, b.params_hash)?;
        let m = rules::mul(&a.meta(), &b.meta())?;
        let basis = self.ctx.basis_q(a.level);
        let (a0, a1) = (&a.parts[0], &a.parts[1]);
        let (b0, b1) = (&b.parts[0], &b.parts[1]);
        let d0 = a0.mul_prefix(b0, basis);
        let mut d1 = a0.mul_prefix(b1, basis);
        d1.mul_add_assign(a1, b0, basis);
        let d2 = a1.mul_prefix(b1, basis);
        Ok(Ciphertext {
            parts: vec![d0, d1, d2],
            level: m.level,
            scale: m.scale,
            params_hash: a.params_hash,
        })
    }

    /// `a^2` without relinearization.
    ///
    /// # Errors
    /// As [`Evaluator::mul`].
    pub fn square(&self, a: &Ciphertext) -> Result<Ciphertext> {
        self.mul(a, a)
    }

    /// `a * b`, relinearized.
    ///
    /// # Errors
    /// As [`Evaluator::mul`] and [`Evaluator::relinearize`].
    pub fn mul_relin(&self, a: &Ciphertext, b: &Ciphertext) -> Result<Ciphertext> {
        self.relinearize(&self.mul(a, b)?)
    }

    /// Turns a three-component ciphertext into a two-component one (switches `c_2` from `s^2`
    /// to `s`). A two-component ciphertext is returned unchanged.
    ///
    /// # Errors
    /// [`CkksError::MissingRelinearizationKey`], [`CkksError::ContextMismatch`].
    pub fn relinearize(&self, a: &Ciphertext) -> Result<Ciphertext> {
        self.check_ct(a)?;
        if a.parts.len() == 2 {
            return Ok(a.clone());
        }
        let rk = self.keys.relinearization.as_ref().ok_or(CkksError::MissingRelinearizationKey)?;
        // (c_0 + u_0, c_1 + u_1), the additions fused into the key switch.
        let add = [Some(&a.parts[0]), Some(&a.parts[1])];
        let epilogue = Epilogue { add, permutation: None };
        let (c0, c1) = key_switch_with(&self.ctx, &a.parts[2], a.level, &rk.0, epilogue);
        Ok(Ciphertext {
            parts: vec![c0, c1],
            level: a.level,
            scale: a.scale,
            params_hash: a.params_hash,
        })
    }

    /// Divides by the top prime `q_l` with rounding: level `l -> l - 1`, scale `/ q_l`.
    ///
    /// # Errors
    /// [`CkksError::LevelExhausted`] at level 0, [`CkksError::ContextMismatch`].
    pub fn rescale(&self, a: &Ciphertext) -> Result<Ciphertext> {
        let mut r = a.clone();
        self.rescale_assign(&mut r)?;
        Ok(r)
    }

    /// In-place [`Evaluator::rescale`].
    ///
    /// # Errors
    /// As [`Evaluator::rescale`].
    pub fn rescale_assign(&self, a: &mut Ciphertext) -> Result<()> {
        self.check_ct(a)?;
        let m = rules::rescale(self.ctx.chain(), &a.meta())?;
        let l = a.level;
        let n = self.ctx.n();
        let basis = self.ctx.basis_q(l);
        let ql_table = &basis[l];
        let ql = *ql_table.modulus();
        let inv = self.ctx.rescale_inv(l);
        for p in &mut a.parts {
            let mut last = p.limb(l).to_vec();
            ql_table.inverse(&mut last);
            p.truncate(l);
            let per: Vec<(usize, (u64, u64))> = inv.iter().copied().enumerate().collect();
            for_each_limb(p.data_mut(), n, &per, |limb, &(i, (w, ws))| {
                let t = &basis[i];
                let q = t.modulus();
                // Centred lift of the last limb into q_i: rounding instead of flooring.
                let mut tmp = vec![0; n];
                t.forward_lifted(&last, ql.value(), &mut tmp);
                pointwise::sub_mul_const(limb, Some(&tmp), (w, ws), None, q);
            });
        }
        a.level = m.level;
        a.scale = m.scale;
        Ok(())
    }

    /// Drops `a` to `level` (discards the primes above it): no noise, scale unchanged.
    ///
    /// # Errors
    /// [`CkksError::InvalidLevel`] if `level > a.level()`, [`CkksError::ContextMismatch`].
    pub fn drop_level(&self, a: &Ciphertext, level: usize) -> Result<Ciphertext> {
        self.check_ct(a)?;
        rules::drop_level(&a.meta(), level)?;
        let mut r = a.clone();
        for p in &mut r.parts {
            p.truncate(level + 1);
        }
        r.level = level;
        Ok(r)
    }

    /// Brings `a` down to `level` *at that level's nominal scale* `s_level`, so it can be added
    /// to values computed there. [`Evaluator::drop_level`] keeps the scale (`s_l` at a lower
    /// level differs from `s_level` by about 2^-20 relatively, which the scale check refuses);
    /// this drops to `level + 1` and then multiplies by 1 encoded at the scale that makes the
    /// rescale land exactly on `s_level`. Costs one rescale's noise; `a` at `level` already is
    /// returned unchanged, whatever its scale. Any size is accepted.
    ///
    /// # Errors
    /// [`CkksError::InvalidLevel`] if `level > a.level()`, [`CkksError::ContextMismatch`].
    pub fn align_to_level(&self, a: &Ciphertext, level: usize) -> Result<Ciphertext> {
        self.check_ct(a)?;
        rules::align_to_level(self.ctx.chain(), &a.meta(), level)?;
        if level == a.level {
            return Ok(a.clone());
        }
        let above = self.drop_level(a, level + 1)?;
        let mut r = self.mul_const(&above, 1.0)?;
        self.rescale_assign(&mut r)?;
        Ok(r)
    }

    // ----- automorphisms -------------------------------------------------------------------

    fn galois_key(&self, g: usize, step: Option<usize>) -> Result<&GaloisKey> {
        self.keys.galois.keys.get(&g).ok_or(match step {
            Some(step) => CkksError::MissingRotationKey { step, galois_element: g },
            None => CkksError::MissingConjugationKey,
        })
    }

    fn apply_galois(&self, a: &Ciphertext, key: &GaloisKey) -> Result<Ciphertext> {
        // With the key stored as sigma^-1(k): result = sigma(c_0 + u_0, u_1), (u_0, u_1) the
        // switch of the unrotated c_1; the addition and sigma fused into the key switch.
        let epilogue =
            Epilogue { add: [Some(&a.parts[0]), None], permutation: Some(&key.permutation) };
        let (c0, c1) = key_switch_with(&self.ctx, &a.parts[1], a.level, &key.key, epilogue);
        Ok(Ciphertext {
            parts: vec![c0, c1],
            level: a.level,
            scale: a.scale,
            params_hash: a.params_hash,
        })
    }

    fn finish_galois(
        &self,
        a: &Ciphertext,
        u0: RnsPoly<Eval>,
        u1: RnsPoly<Eval>,
        key: &GaloisKey,
        basis: &Basis,
    ) -> Ciphertext {
        let mut c0 = u0;
        c0.add_assign(&a.parts[0], basis);
        let parts = vec![c0.permute(&key.permutation), u1.permute(&key.permutation)];
        Ciphertext { parts, level: a.level, scale: a.scale, params_hash: a.params_hash }
    }

    /// Rotates the slots left by `step` (right for negative `step`): slot `j` of the result is
    /// slot `j + step mod N/2` of `a`.
    ///
    /// # Errors
    /// [`CkksError::MissingRotationKey`], [`CkksError::NeedsRelinearization`],
    /// [`CkksError::ContextMismatch`].
    pub fn rotate(&self, a: &Ciphertext, step: i64) -> Result<Ciphertext> {
        self.check_ct(a)?;
        rules::automorphism(&a.meta(), "rotating")?;
        let s = self.ctx.chain().normalise_step(step);
        if s == 0 {
            return Ok(a.clone());
        }
        let g = self.ctx.rotation_galois_element(step);
        let key = self.galois_key(g, Some(s))?;
        self.apply_galois(a, key)
    }

    /// Rotates the slots right by `step`.
    ///
    /// # Errors
    /// As [`Evaluator::rotate`].
    pub fn rotate_right(&self, a: &Ciphertext, step: usize) -> Result<Ciphertext> {
        self.rotate(a, -(step as i64))
    }

    /// Complex conjugation of every slot.
    ///
    /// # Errors
    /// [`CkksError::MissingConjugationKey`], [`CkksError::NeedsRelinearization`],
    /// [`CkksError::ContextMismatch`].
    pub fn conjugate(&self, a: &Ciphertext) -> Result<Ciphertext> {
        self.check_ct(a)?;
        rules::automorphism(&a.meta(), "conjugating")?;
        let key = self.galois_key(self.ctx.conjugation_galois_element(), None)?;
        self.apply_galois(a, key)
    }

    /// Several rotations of one ciphertext sharing one decomposition of `c_1` (hoisting): the
    /// inverse NTT and the mod-up of every digit are done once, each rotation then costs an
    /// inner product, a mod-down and a permutation of the result.
    ///
    /// # Errors
    /// As [`Evaluator::rotate`], for the first step without a key.
    pub fn rotate_hoisted(&self, a: &Ciphertext, steps: &[i64]) -> Result<Vec<Ciphertext>> {
        self.check_ct(a)?;
        rules::automorphism(&a.meta(), "rotating")?;
        let keys = steps
            .iter()
            .map(|&step| {
                let s = self.ctx.chain().normalise_step(step);
                if s == 0 {
                    Ok(None)
                } else {
                    self.galois_key(self.ctx.rotation_galois_element(step), Some(s)).map(Some)
                }
            })
            .collect::<Result<Vec<_>>>()?;
        let l = a.level;
        let basis = self.ctx.basis_q(l);
        let dec = decompose(&self.ctx, &a.parts[1], l);
        use rayon::prelude::*;
        Ok(keys
            .par_iter()
            .map(|key| match key {
                None => a.clone(),
                Some(key) => {
                    let (x0, x1) = inner_product(&self.ctx, &dec, &key.key);
                    let u0 = mod_down(&self.ctx, x0, l);
                    let u1 = mod_down(&self.ctx, x1, l);
                    self.finish_galois(a, u0, u1, key, basis)
                }
            })
            .collect())
    }
}
