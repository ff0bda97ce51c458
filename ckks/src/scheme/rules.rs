//! The scheme's bookkeeping rules in one place: what each operation requires of its operands'
//! levels, scales and sizes, and what level, scale and size its result has.
//!
//! The encrypted [`Evaluator`](super::Evaluator) checks its operands with these functions and
//! every simulated evaluator (plaintext, depth finder, op counter, ...) computes its metadata with
//! them, so a circuit meets the same [`CkksError`] with the same numbers under all of them.
//! Scales are compared with a relative tolerance of [`SCALE_TOLERANCE`].

use super::chain::ModulusChain;
use crate::error::{CkksError, Result};
use crate::math::rns::{Overflow, ScaledInt};

/// Relative difference under which two scales count as equal.
pub const SCALE_TOLERANCE: f64 = 1e-9;

/// What the rules know of a value: its level, its scale and its number of polynomial components
/// (2 for a ciphertext, 3 after a multiplication before relinearization, 1 for a plaintext).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Meta {
    /// Level `l`: the value lives modulo `Q_l = q_0 ... q_l`.
    pub level: usize,
    /// The scale `Delta` its message is multiplied by.
    pub scale: f64,
    /// Number of components.
    pub size: usize,
}

impl Meta {
    /// A fresh ciphertext (two components).
    pub fn fresh(level: usize, scale: f64) -> Self {
        Self { level, scale, size: 2 }
    }

    /// A plaintext (one component).
    pub fn plain(level: usize, scale: f64) -> Self {
        Self { level, scale, size: 1 }
    }
}

/// Whether two scales are equal within [`SCALE_TOLERANCE`].
pub fn scales_match(a: f64, b: f64) -> bool {
    ((a - b) / a.max(b)).abs() <= SCALE_TOLERANCE
}

/// Checks that an encoding of `count` values at `level` and `scale` can be attempted (the
/// coefficient-size check comes with the coefficients themselves).
///
/// # Errors
/// [`CkksError::TooManyValues`], [`CkksError::InvalidLevel`].
pub fn check_encoding(chain: &ModulusChain, count: usize, level: usize) -> Result<()> {
    if count > chain.slots() {
        return Err(CkksError::TooManyValues { given: count, slots: chain.slots() });
    }
    chain.check_level(level)
}

/// Checks that the constant `c` times `scale` fits in half of `Q_level`.
///
/// # Errors
/// [`CkksError::EncodingOverflow`].
pub fn check_constant(chain: &ModulusChain, c: f64, scale: f64, level: usize) -> Result<()> {
    scaled_int(c * scale, chain.log_q(level) - 1.0, c, scale).map(|_| ())
}

/// `x` (the value `value` times `scale`) rounded to an exact integer below `2^max_log2`: the
/// one definition of what an encoding can hold.
///
/// # Errors
/// [`CkksError::EncodingOverflow`] if `x` is not finite or too large.
pub(crate) fn scaled_int(x: f64, max_log2: f64, value: f64, scale: f64) -> Result<ScaledInt> {
    ScaledInt::round(x, max_log2).map_err(|o| CkksError::EncodingOverflow {
        value,
        scale_log2: scale.log2(),
        reason: match o {
            Overflow::NotFinite => "the scaled value is not finite",
            Overflow::TooLarge => "the scaled value does not fit in half the modulus at this level",
        },
    })
}

fn same_level(a: &Meta, b: &Meta) -> Result<()> {
    if a.level != b.level {
        return Err(CkksError::LevelMismatch { left: a.level, right: b.level });
    }
    Ok(())
}

fn same_scale(a: &Meta, b: &Meta) -> Result<()> {
    if !scales_match(a.scale, b.scale) {
        return Err(CkksError::ScaleMismatch {
            level: a.level,
            left_log2: a.scale.log2(),
            right_log2: b.scale.log2(),
        });
    }
    Ok(())
}

/// Requires two components (a relinearized ciphertext) for `operation`.
///
/// # Errors
/// [`CkksError::NeedsRelinearization`].
pub fn check_linear(a: &Meta, operation: &'static str) -> Result<()> {
    if a.size != 2 {
        return Err(CkksError::NeedsRelinearization { components: a.size, operation });
    }
    Ok(())
}

/// `a + b`, `a - b`: same level and scale; the result has the larger size.
///
/// # Errors
/// [`CkksError::LevelMismatch`], [`CkksError::ScaleMismatch`].
pub fn add(a: &Meta, b: &Meta) -> Result<Meta> {
    same_level(a, b)?;
    same_scale(a, b)?;
    Ok(Meta { size: a.size.max(b.size), ..*a })
}

/// `a + pt`, `a - pt`: same level and scale.
///
/// # Errors
/// As [`add`].
pub fn add_plain(a: &Meta, pt: &Meta) -> Result<Meta> {
    same_level(a, pt)?;
    same_scale(a, pt)?;
    Ok(*a)
}

/// `a * pt`: same level; the scales multiply.
///
/// # Errors
/// [`CkksError::LevelMismatch`].
pub fn mul_plain(a: &Meta, pt: &Meta) -> Result<Meta> {
    same_level(a, pt)?;
    Ok(Meta { scale: a.scale * pt.scale, ..*a })
}

/// `a * b` (not relinearized): same level, both of two components; three components at the
/// product of the scales.
///
/// # Errors
/// [`CkksError::LevelMismatch`], [`CkksError::NeedsRelinearization`].
pub fn mul(a: &Meta, b: &Meta) -> Result<Meta> {
    same_level(a, b)?;
    check_linear(a, "multiplying")?;
    check_linear(b, "multiplying")?;
    Ok(Meta { level: a.level, scale: a.scale * b.scale, size: 3 })
}

/// `a + c` for a real constant, encoded at `a`'s scale.
///
/// # Errors
/// [`CkksError::EncodingOverflow`].
pub fn add_const(chain: &ModulusChain, a: &Meta, c: f64) -> Result<Meta> {
    check_constant(chain, c, a.scale, a.level)?;
    Ok(*a)
}

/// The scale a constant multiplier of `a` is encoded at. For `a` within a factor of two of its
/// level's nominal scale `s_l` (and `l > 0`) it is `s_{l-1} q_l / a.scale`, so that the next
/// rescale lands exactly on `s_{l-1}`; otherwise `s_l`.
pub fn const_scale(chain: &ModulusChain, a: &Meta) -> f64 {
    let l = a.level;
    let nominal = chain.scale(l);
    if l > 0 && (a.scale / nominal).log2().abs() < 1.0 {
        chain.scale(l - 1) * chain.q_primes()[l] as f64 / a.scale
    } else {
        nominal
    }
}

/// `a * c` for a real constant, encoded at [`const_scale`].
///
/// # Errors
/// [`CkksError::EncodingOverflow`].
pub fn mul_const(chain: &ModulusChain, a: &Meta, c: f64) -> Result<Meta> {
    mul_const_at_scale(chain, a, c, const_scale(chain, a))
}

/// `a * c` for a real constant encoded at an explicit `scale`: the result's scale is
/// `a.scale * scale` (for circuits that manage their scales themselves, such as
/// bootstrapping's polynomial evaluation).
///
/// # Errors
/// [`CkksError::EncodingOverflow`] if `c * scale` does not fit in half of `Q_l`, or `scale`
/// is not a finite number of at least 1.
pub fn mul_const_at_scale(chain: &ModulusChain, a: &Meta, c: f64, scale: f64) -> Result<Meta> {
    if !(scale.is_finite() && scale >= 1.0) {
        return Err(CkksError::EncodingOverflow {
            value: c,
            scale_log2: scale.log2(),
            reason: "the scale must be a finite number of at least 1",
        });
    }
    check_constant(chain, c, scale, a.level)?;
    Ok(Meta { scale: a.scale * scale, ..*a })
}

/// `acc + a * c` with `c` encoded at `scale`, `a` taken at `acc`'s level: `a` at that level
/// or above, and the product at `acc`'s scale.
///
/// # Errors
/// [`CkksError::InvalidLevel`] for `a` below `acc`; as [`mul_const_at_scale`] and [`add`].
pub fn mul_const_add(
    chain: &ModulusChain,
    acc: &Meta,
    a: &Meta,
    c: f64,
    scale: f64,
) -> Result<Meta> {
    let a = drop_level(a, acc.level)?;
    add(acc, &mul_const_at_scale(chain, &a, c, scale)?)
}

/// `a * k` for an integer `k`: the scale is unchanged, and `k` must fit in half of `Q_l` (a
/// larger `k` would be reduced modulo `Q_l` and multiply by a different integer).
///
/// # Errors
/// [`CkksError::EncodingOverflow`].
pub fn mul_integer(chain: &ModulusChain, a: &Meta, k: i64) -> Result<Meta> {
    check_constant(chain, k as f64, 1.0, a.level)?;
    Ok(*a)
}

/// Divides by `q_l`: one level down, the scale divided by `q_l`.
///
/// # Errors
/// [`CkksError::LevelExhausted`] at level 0.
pub fn rescale(chain: &ModulusChain, a: &Meta) -> Result<Meta> {
    if a.level == 0 {
        return Err(CkksError::LevelExhausted);
    }
    Ok(Meta { level: a.level - 1, scale: a.scale / chain.q_primes()[a.level] as f64, ..*a })
}

/// Drops to a lower `level`, keeping the scale.
///
/// # Errors
/// [`CkksError::InvalidLevel`] if `level > a.level`.
pub fn drop_level(a: &Meta, level: usize) -> Result<Meta> {
    if level > a.level {
        return Err(CkksError::InvalidLevel {
            requested: level,
            reason: format!("cannot drop a ciphertext at level {} to a higher level", a.level),
        });
    }
    Ok(Meta { level, ..*a })
}

/// Brings `a` to `level` at the nominal scale there: a drop to `level + 1`, a multiplication by
/// the constant 1 and a rescale. A value already at `level` is returned as it is, whatever its
/// scale (changing the scale at a fixed level would take a level); any size is accepted.
///
/// # Errors
/// [`CkksError::InvalidLevel`] if `level > a.level`.
pub fn align_to_level(chain: &ModulusChain, a: &Meta, level: usize) -> Result<Meta> {
    if level == a.level {
        return Ok(*a);
    }
    let above = drop_level(a, level + 1).map_err(|_| CkksError::InvalidLevel {
        requested: level,
        reason: format!("cannot align a ciphertext at level {} to a higher level", a.level),
    })?;
    rescale(chain, &mul_const(chain, &above, 1.0)?)
}

/// A rotation or conjugation: requires two components; metadata unchanged.
///
/// # Errors
/// [`CkksError::NeedsRelinearization`].
pub fn automorphism(a: &Meta, operation: &'static str) -> Result<Meta> {
    check_linear(a, operation)?;
    Ok(*a)
}

/// A Galois key serving levels up to `key_level` used at `level`.
///
/// # Errors
/// [`CkksError::GaloisKeyLevel`] when `level` is above the key's.
pub fn galois_key_level(galois_element: usize, key_level: usize, level: usize) -> Result<()> {
    if key_level < level {
        return Err(CkksError::GaloisKeyLevel { galois_element, key_level, level });
    }
    Ok(())
}

/// Relinearization: two components at the same level and scale.
pub fn relinearize(a: &Meta) -> Meta {
    Meta { size: a.size.min(2), ..*a }
}
