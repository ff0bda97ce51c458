//! Homomorphic evaluation: additions, multiplications, relinearization, rescaling, level drops,
//! rotations (single and hoisted) and conjugation. Every precondition is checked and reported
//! as a [`CkksError`](crate::CkksError).

use super::ciphertext::{check_hash, Ciphertext, Plaintext};
use super::context::Context;
use super::rules;
use crate::error::Result;
use crate::math::poly::for_each_limb;
use crate::math::{Eval, RnsPoly};
use crate::rlwe::keys::EvaluationKeys;
use std::sync::{Arc, OnceLock};

mod multiply;
mod rotate;

/// Evaluates on ciphertexts of one context with one set of evaluation keys (public material
/// only).
#[derive(Clone, Debug)]
pub struct Evaluator {
    ctx: Context,
    keys: Arc<EvaluationKeys>,
    /// `X^(N/2)` in evaluation form at the top level, made on first use by
    /// [`Evaluator::mul_i`] (lower levels use its first limbs).
    imaginary_unit: Arc<OnceLock<RnsPoly<Eval>>>,
}

impl Evaluator {
    /// An evaluator for `ctx` with the given keys.
    ///
    /// # Errors
    /// [`CkksError::ContextMismatch`](crate::CkksError::ContextMismatch) if a key belongs to other parameters.
    pub fn new(ctx: &Context, keys: impl Into<Arc<EvaluationKeys>>) -> Result<Self> {
        let keys = keys.into();
        if let Some(rk) = &keys.relinearization {
            check_hash(ctx, rk.0.params_hash)?;
        }
        for k in keys.galois.keys.values() {
            check_hash(ctx, k.key.params_hash)?;
        }
        Ok(Self { ctx: ctx.clone(), keys, imaginary_unit: Arc::default() })
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
    /// [`CkksError::LevelMismatch`](crate::CkksError::LevelMismatch), [`CkksError::ScaleMismatch`](crate::CkksError::ScaleMismatch), [`CkksError::ContextMismatch`](crate::CkksError::ContextMismatch).
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
    /// [`CkksError::ContextMismatch`](crate::CkksError::ContextMismatch).
    pub fn neg(&self, a: &Ciphertext) -> Result<Ciphertext> {
        let mut r = a.clone();
        self.neg_assign(&mut r)?;
        Ok(r)
    }

    /// `a = -a`.
    ///
    /// # Errors
    /// [`CkksError::ContextMismatch`](crate::CkksError::ContextMismatch).
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
    /// [`CkksError::LevelMismatch`](crate::CkksError::LevelMismatch), [`CkksError::ScaleMismatch`](crate::CkksError::ScaleMismatch), [`CkksError::ContextMismatch`](crate::CkksError::ContextMismatch).
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
    /// [`CkksError::EncodingOverflow`](crate::CkksError::EncodingOverflow) if `c * scale` does not fit, [`CkksError::ContextMismatch`](crate::CkksError::ContextMismatch).
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
}
