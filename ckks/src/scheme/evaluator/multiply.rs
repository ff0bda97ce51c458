//! Multiplications (by plaintexts, constants, integers and ciphertexts), relinearization,
//! rescaling, level drops and alignment.

use super::Evaluator;
use crate::error::{CkksError, Result};
use crate::math::poly::for_each_limb;
use crate::math::simd::pointwise;
use crate::math::{Eval, RnsPoly};
use crate::rlwe::keyswitch::{key_switch_with, Epilogue};
use crate::scheme::ciphertext::{Ciphertext, Plaintext};
use crate::scheme::rules;

impl Evaluator {
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
        let (scalars, basis) = (self.constant_residues(l, c, scale)?, self.ctx.basis_q(l));
        let parts = a.parts.iter().map(|p| p.mul_scalar(&scalars, basis)).collect();
        Ok(Ciphertext { parts, level: l, scale: m.scale, params_hash: a.params_hash })
    }

    /// `acc += a * c` with `c` encoded at `scale` ([`Evaluator::mul_const_at_scale`]), `a`
    /// taken at `acc`'s level (its lower limbs, no copy), in one pass over `acc`: a term of a
    /// linear combination with constants. The same integers as the product and the sum apart.
    ///
    /// # Errors
    /// As [`rules::mul_const_add`], [`CkksError::ContextMismatch`].
    pub fn mul_const_add_assign(
        &self,
        acc: &mut Ciphertext,
        a: &Ciphertext,
        c: f64,
        scale: f64,
    ) -> Result<()> {
        self.check_pair(acc, a.params_hash)?;
        // The rule keeps acc's level, scale and (at least) size: nothing of acc's metadata
        // changes but the parts it may gain.
        rules::mul_const_add(self.ctx.chain(), &acc.meta(), &a.meta(), c, scale)?;
        let l = acc.level;
        let (scalars, basis) = (self.constant_residues(l, c, scale)?, self.ctx.basis_q(l));
        while acc.parts.len() < a.parts.len() {
            acc.parts.push(RnsPoly::zero(self.ctx.n(), l + 1));
        }
        for (x, y) in acc.parts.iter_mut().zip(&a.parts) {
            x.mul_scalar_add_assign(y, &scalars, basis);
        }
        Ok(())
    }

    /// The constant `c` encoded at `scale` (rounded to an integer) as its residues modulo the
    /// primes of level `l`.
    ///
    /// # Errors
    /// [`CkksError::EncodingOverflow`] when it does not fit in half of `Q_l`.
    fn constant_residues(&self, l: usize, c: f64, scale: f64) -> Result<Vec<u64>> {
        let v = rules::scaled_int(c * scale, self.ctx.log_q(l) - 1.0, c, scale)?;
        Ok(self.ctx.basis_q(l).iter().map(|t| v.residue(t.modulus())).collect())
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
        let parts = a.parts.iter().map(|p| p.mul_scalar(&scalars, basis)).collect();
        Ok(Ciphertext { parts, level: a.level, scale: a.scale, params_hash: a.params_hash })
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
        self.check_ct(a)?;
        let m = rules::rescale(self.ctx.chain(), &a.meta())?;
        let parts = a.parts.iter().map(|p| self.rescaled(p, a.level)).collect();
        Ok(Ciphertext { parts, level: m.level, scale: m.scale, params_hash: a.params_hash })
    }

    /// In-place [`Evaluator::rescale`].
    ///
    /// # Errors
    /// As [`Evaluator::rescale`].
    pub fn rescale_assign(&self, a: &mut Ciphertext) -> Result<()> {
        *a = self.rescale(a)?;
        Ok(())
    }

    /// `round(p / q_l)` over `Q_(l-1)` for `p` over `Q_l` (evaluation form), written into a new
    /// polynomial (no copy of `p` first).
    fn rescaled(&self, p: &RnsPoly<Eval>, l: usize) -> RnsPoly<Eval> {
        let n = self.ctx.n();
        let basis = self.ctx.basis_q(l);
        let ql_table = &basis[l];
        let ql = *ql_table.modulus();
        let mut last = p.limb(l).to_vec();
        ql_table.inverse(&mut last);
        // Per limb: -q_l^-1 mod q_i with its Shoup form.
        let per: Vec<(usize, (u64, u64))> = (self.ctx.rescale_inv(l).iter().enumerate())
            .map(|(i, &(w, _))| {
                let q = basis[i].modulus();
                let minus_w = q.neg(w);
                (i, (minus_w, q.shoup(minus_w)))
            })
            .collect();
        let mut out = RnsPoly::<Eval>::zero(n, l);
        for_each_limb(out.data_mut(), n, &per, |o, &(i, minus_w)| {
            let t = &basis[i];
            // The centred lift of the last limb into q_i (rounding instead of flooring), written
            // straight into the output limb, then (lift - p_i) (-w) = (p_i - lift) w in place.
            t.forward_lifted(&last, ql.value(), o);
            pointwise::sub_mul_const(o, Some(p.limb(i)), minus_w, None, t.modulus());
        });
        out
    }

    /// Drops `a` to `level` (discards the primes above it): no noise, scale unchanged.
    ///
    /// # Errors
    /// [`CkksError::InvalidLevel`] if `level > a.level()`, [`CkksError::ContextMismatch`].
    pub fn drop_level(&self, a: &Ciphertext, level: usize) -> Result<Ciphertext> {
        self.check_ct(a)?;
        rules::drop_level(&a.meta(), level)?;
        // Only the kept limbs are copied.
        let parts = a.parts.iter().map(|p| p.sub_limbs(0..level + 1)).collect();
        Ok(Ciphertext { parts, level, scale: a.scale, params_hash: a.params_hash })
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
}
