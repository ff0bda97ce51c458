//! Encoding complex and real vectors into RNS plaintexts at any level and scale, and decoding
//! them back (exact CRT reconstruction).

use super::chain::ModulusChain;
use super::ciphertext::{check_hash, Plaintext};
use super::context::Context;
use super::rules;
use crate::error::{CkksError, Result};
use crate::math::poly::for_each_limb;
use crate::math::rns::ScaledInt;
use crate::math::RnsPoly;
use num_complex::Complex64;
use rayon::prelude::*;

impl Context {
    /// Encodes complex `values` (at most `N/2`, zero padded) at `level` and `scale`.
    ///
    /// # Errors
    /// [`CkksError::TooManyValues`], [`CkksError::InvalidLevel`], or
    /// [`CkksError::EncodingOverflow`] if a scaled coefficient is not finite or does not fit.
    pub fn encode_complex(
        &self,
        values: &[Complex64],
        level: usize,
        scale: f64,
    ) -> Result<Plaintext> {
        rules::check_encoding(self.chain(), values.len(), level)?;
        let coeffs = self.encoder().slots_to_coeffs(values);
        self.encode_coeffs(&coeffs, level, scale, values_max(values))
    }

    /// Encodes real `values` (at most `N/2`, zero padded) at `level` and `scale`.
    ///
    /// # Errors
    /// As [`Context::encode_complex`].
    pub fn encode(&self, values: &[f64], level: usize, scale: f64) -> Result<Plaintext> {
        let z: Vec<Complex64> = values.iter().map(|&v| Complex64::new(v, 0.0)).collect();
        self.encode_complex(&z, level, scale)
    }

    /// Encodes real `values` at `level` and that level's nominal scale.
    ///
    /// # Errors
    /// As [`Context::encode_complex`].
    pub fn encode_at(&self, values: &[f64], level: usize) -> Result<Plaintext> {
        self.check_level(level)?;
        self.encode(values, level, self.scale(level))
    }

    pub(crate) fn log_q(&self, level: usize) -> f64 {
        self.chain().log_q(level)
    }

    fn encode_coeffs(
        &self,
        coeffs: &[f64],
        level: usize,
        scale: f64,
        shown: f64,
    ) -> Result<Plaintext> {
        let ints = scaled_coefficients(coeffs, self.log_q(level) - 1.0, scale, shown)?;
        let basis = self.basis_q(level);
        let n = self.n();
        let mut poly = RnsPoly::zero(n, level + 1);
        for_each_limb(poly.data_mut(), n, basis, |l, t| {
            let q = t.modulus();
            for (x, c) in l.iter_mut().zip(&ints) {
                *x = c.residue(q);
            }
        });
        Ok(Plaintext { poly: poly.into_eval(basis), level, scale, params_hash: self.hash() })
    }

    /// The exact centred coefficients of `pt`, divided by its scale.
    ///
    /// # Errors
    /// [`CkksError::ContextMismatch`] if `pt` belongs to other parameters.
    pub fn decode_coeffs(&self, pt: &Plaintext) -> Result<Vec<f64>> {
        check_hash(self, pt.params_hash)?;
        let n = self.n();
        let basis = self.basis_q(pt.level);
        let coeff = pt.poly.clone().into_coeff(basis);
        let inv_scale = 1.0 / pt.scale;
        if pt.level == 0 {
            let q = basis[0].modulus();
            return Ok(coeff.limb(0).iter().map(|&x| q.center(x) as f64 * inv_scale).collect());
        }
        let crt = self.crt(pt.level);
        let limbs = pt.level + 1;
        let mut out = vec![0f64; n];
        out.par_chunks_mut(1024).enumerate().for_each(|(chunk, o)| {
            let mut residues = [0u64; 64];
            for (k, x) in o.iter_mut().enumerate() {
                let c = chunk * 1024 + k;
                for (i, r) in residues[..limbs].iter_mut().enumerate() {
                    *r = coeff.limb(i)[c];
                }
                *x = crt.reconstruct_centered_f64(&residues[..limbs]) * inv_scale;
            }
        });
        Ok(out)
    }

    /// Decodes `pt` into its `N/2` complex slots.
    ///
    /// # Errors
    /// [`CkksError::ContextMismatch`] if `pt` belongs to other parameters.
    pub fn decode_complex(&self, pt: &Plaintext) -> Result<Vec<Complex64>> {
        let coeffs = self.decode_coeffs(pt)?;
        Ok(self.encoder().coeffs_to_slots(&coeffs))
    }

    /// Decodes `pt` into the real parts of its `N/2` slots.
    ///
    /// # Errors
    /// [`CkksError::ContextMismatch`] if `pt` belongs to other parameters.
    pub fn decode(&self, pt: &Plaintext) -> Result<Vec<f64>> {
        Ok(self.decode_complex(pt)?.into_iter().map(|z| z.re).collect())
    }
}

/// Rounds `coeffs * scale` to integers below `2^max_log2`; `shown` is the value an error reports.
fn scaled_coefficients(
    coeffs: &[f64],
    max_log2: f64,
    scale: f64,
    shown: f64,
) -> Result<Vec<ScaledInt>> {
    if !(scale.is_finite() && scale >= 1.0) {
        return Err(CkksError::EncodingOverflow {
            value: shown,
            scale_log2: scale.log2(),
            reason: "the scale must be a finite number of at least 1",
        });
    }
    coeffs.iter().map(|&c| rules::scaled_int(c * scale, max_log2, shown, scale)).collect()
}

/// Checks, without building a plaintext, that [`Context::encode_complex`] would accept `values` at
/// `level` and `scale` under parameters with this `chain`: the same errors, in the same order.
///
/// # Errors
/// [`CkksError::TooManyValues`], [`CkksError::InvalidLevel`], [`CkksError::EncodingOverflow`].
pub fn check_encodable(
    chain: &ModulusChain,
    values: &[Complex64],
    level: usize,
    scale: f64,
) -> Result<()> {
    rules::check_encoding(chain, values.len(), level)?;
    let shown = values_max(values);
    let max_log2 = chain.log_q(level) - 1.0;
    if shown.is_finite() && scale.is_finite() && scale >= 1.0 {
        // Every coefficient is an average of slot values, so |c| <= max |z|: a bound with room
        // for rounding decides almost every case without the transform.
        if (shown * scale * (1.0 + 1e-9) + 1.0).log2() < max_log2 {
            return Ok(());
        }
        let coeffs = super::encoder::Encoder::new(chain.n()).slots_to_coeffs(values);
        return scaled_coefficients(&coeffs, max_log2, scale, shown).map(|_| ());
    }
    // A non-finite value makes every coefficient non-finite.
    let coeffs = vec![f64::NAN; usize::from(!values.is_empty())];
    scaled_coefficients(&coeffs, max_log2, scale, shown).map(|_| ())
}

/// The value an encoding error reports: the first non-finite input if there is one, else the
/// largest magnitude.
fn values_max(values: &[Complex64]) -> f64 {
    let norms = values.iter().map(|z| z.norm());
    norms.clone().find(|v| !v.is_finite()).unwrap_or_else(|| norms.fold(0.0, f64::max))
}
