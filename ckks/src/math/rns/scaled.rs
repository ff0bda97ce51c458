//! Exact integers from `f64` values (any magnitude an `f64` holds), reduced to residues.

use crate::math::modulus::Modulus;

/// A rounded, scaled coefficient as `(-1)^neg * mantissa * 2^shift`, exact for any `f64` integer.
#[derive(Clone, Copy)]
pub(crate) struct ScaledInt {
    neg: bool,
    mantissa: u64,
    shift: u32,
}

/// Why a value has no [`ScaledInt`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Overflow {
    /// The value is infinite or NaN.
    NotFinite,
    /// The rounded value has `max_log2` bits or more.
    TooLarge,
}

impl ScaledInt {
    /// Rounds `x` to the nearest integer.
    ///
    /// # Errors
    /// [`Overflow`] if `x` is not finite or `|x| >= 2^(max_log2)`.
    pub(crate) fn round(x: f64, max_log2: f64) -> Result<Self, Overflow> {
        if !x.is_finite() {
            return Err(Overflow::NotFinite);
        }
        let r = x.round();
        if r != 0.0 && r.abs().log2() >= max_log2 {
            return Err(Overflow::TooLarge);
        }
        let a = r.abs();
        let neg = r < 0.0;
        if a < 9.2e18 {
            return Ok(Self { neg, mantissa: a as u64, shift: 0 });
        }
        let bits = a.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i32 - 1075;
        let mantissa = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
        Ok(Self { neg, mantissa, shift: exp.max(0) as u32 })
    }

    /// The integer modulo `q`.
    #[inline]
    pub(crate) fn residue(&self, q: &Modulus) -> u64 {
        let mut r = q.reduce(self.mantissa);
        if self.shift > 0 {
            r = q.mul(r, q.pow(2, self.shift as u64));
        }
        q.neg_if(r, self.neg)
    }
}
