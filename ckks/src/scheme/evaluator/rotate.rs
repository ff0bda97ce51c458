//! Rotations (single and hoisted) and conjugation: Galois automorphisms with a key switch.

use super::Evaluator;
use crate::error::{CkksError, Result};
use crate::math::{Basis, Eval, RnsPoly};
use crate::rlwe::keys::GaloisKey;
use crate::rlwe::keyswitch::{decompose, inner_product, key_switch_with, mod_down, Epilogue};
use crate::scheme::ciphertext::Ciphertext;
use crate::scheme::rules;

impl Evaluator {
    /// The key of Galois element `g` (of a rotation by `step`, or the conjugation) for use at
    /// `level`.
    fn galois_key(&self, g: usize, step: Option<usize>, level: usize) -> Result<&GaloisKey> {
        let key = self.keys.galois.keys.get(&g).ok_or(match step {
            Some(step) => CkksError::MissingRotationKey { step, galois_element: g },
            None => CkksError::MissingConjugationKey,
        })?;
        rules::galois_key_level(g, key.level(), level)?;
        Ok(key)
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
    /// [`CkksError::MissingRotationKey`], [`CkksError::GaloisKeyLevel`],
    /// [`CkksError::NeedsRelinearization`], [`CkksError::ContextMismatch`].
    pub fn rotate(&self, a: &Ciphertext, step: i64) -> Result<Ciphertext> {
        self.check_ct(a)?;
        rules::automorphism(&a.meta(), "rotating")?;
        let s = self.ctx.chain().normalise_step(step);
        if s == 0 {
            return Ok(a.clone());
        }
        let g = self.ctx.rotation_galois_element(step);
        let key = self.galois_key(g, Some(s), a.level)?;
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
    /// [`CkksError::MissingConjugationKey`], [`CkksError::GaloisKeyLevel`],
    /// [`CkksError::NeedsRelinearization`], [`CkksError::ContextMismatch`].
    pub fn conjugate(&self, a: &Ciphertext) -> Result<Ciphertext> {
        self.check_ct(a)?;
        rules::automorphism(&a.meta(), "conjugating")?;
        let key = self.galois_key(self.ctx.conjugation_galois_element(), None, a.level)?;
        self.apply_galois(a, key)
    }

    /// `i a`: every slot times the imaginary unit, as the product of every component with the
    /// monomial `X^(N/2)`. At the slot roots `zeta^(5^j)` (`zeta` a primitive `2N`-th root) the
    /// monomial is `(zeta^(N/2))^(5^j) = i^(5^j) = i`, as `5^j = 1 mod 4`; the product is an
    /// exact negacyclic shift of the coefficients, so it adds no noise and needs no key or
    /// level.
    ///
    /// # Errors
    /// [`CkksError::ContextMismatch`].
    pub fn mul_i(&self, a: &Ciphertext) -> Result<Ciphertext> {
        self.check_ct(a)?;
        let unit = self.imaginary_unit.get_or_init(|| {
            let n = self.ctx.n();
            let mut coeffs = vec![0i64; n];
            coeffs[n / 2] = 1;
            let top = self.ctx.basis_q(self.ctx.max_level());
            RnsPoly::from_signed(&coeffs, top).into_eval(top)
        });
        let basis = self.ctx.basis_q(a.level);
        let mut r = a.clone();
        for p in &mut r.parts {
            *p = p.mul_prefix(unit, basis);
        }
        Ok(r)
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
                    self.galois_key(self.ctx.rotation_galois_element(step), Some(s), a.level)
                        .map(Some)
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
