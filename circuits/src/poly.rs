//! Polynomials evaluated entry-wise on encrypted objects, with their constants folded into the
//! first multiplication so that `c_0 + sum_{k odd} c_k x^k` of degree `d` costs depth
//! `ceil(log2(d + 1))`: 2 for a cubic, 3 for degrees 5 and 7.

use crate::error::{CircuitError, ConfigFault, Result};
use ckks::eval::CkksEvaluator;
use linalg::{LinAlg, Tiled};

/// The depth of [`eval_odd`] for a polynomial of odd degree `degree` (0 for a constant).
pub fn odd_depth(degree: usize) -> usize {
    if degree == 0 {
        0
    } else {
        (usize::BITS - degree.leading_zeros()) as usize // ceil(log2(degree + 1)) for odd degrees
    }
}

/// `c_0 + sum_{k odd} c_k x^k` entry-wise (padding entries included, where it gives `c_0`).
/// `c_k x^k` is built as `(c_k x^r) * x^p` with `p` the largest power of two below `k`,
/// `r = k - p`, so the constant rides on the shallow factor. All terms are aligned to the
/// lowest level before they are added.
///
/// # Errors
/// [`CircuitError::InvalidConfig`] for a nonzero even coefficient beyond `c_0`; the toolkit's
/// errors (levels exhausted, missing relinearization key).
pub fn eval_odd<E, T>(la: &LinAlg<'_, E>, x: &T, coeffs: &[f64]) -> Result<T>
where
    E: CkksEvaluator,
    T: Tiled<Tile = E::Value, With<E::Value> = T>,
{
    if coeffs.iter().enumerate().any(|(k, &c)| k > 0 && k % 2 == 0 && c != 0.0) {
        return Err(CircuitError::InvalidConfig(ConfigFault::EvenCoefficient));
    }
    let degree = coeffs.iter().rposition(|&c| c != 0.0).unwrap_or(0);
    // x^(2^j), j = 1 .. log2(degree): repeated squares.
    let mut squares: Vec<T> = Vec::new();
    let mut p = 2;
    while p < degree {
        let next = match squares.last() {
            None => la.square(x)?,
            Some(prev) => la.square(prev)?,
        };
        squares.push(next);
        p *= 2;
    }
    let mut terms: Vec<T> = Vec::new();
    for (k, &c) in coeffs.iter().enumerate().skip(1) {
        if c != 0.0 {
            terms.push(scaled_power(la, x, &squares, k, c)?);
        }
    }
    let Some(lowest) = terms.iter().map(|t| la.level(t)).min() else {
        // A constant: x * 0 + c_0 at x's level.
        return Ok(la.add_scalar(&la.mul_scalar(x, 0.0)?, coeffs[0])?);
    };
    let mut acc: Option<T> = None;
    for t in terms {
        let t = la.align_to_level(&t, lowest)?;
        acc = Some(match acc {
            None => t,
            Some(a) => la.add(&a, &t)?,
        });
    }
    let acc = acc.expect("at least one term");
    Ok(if coeffs[0] != 0.0 { la.add_scalar(&acc, coeffs[0])? } else { acc })
}

/// `c x^k` for odd `k`, at depth `ceil(log2(k + 1))`.
fn scaled_power<E, T>(la: &LinAlg<'_, E>, x: &T, squares: &[T], k: usize, c: f64) -> Result<T>
where
    E: CkksEvaluator,
    T: Tiled<Tile = E::Value, With<E::Value> = T>,
{
    if k == 1 {
        return Ok(la.mul_scalar(x, c)?);
    }
    let j = (usize::BITS - 1 - (k - 1).leading_zeros()) as usize; // 2^j <= k - 1 < 2^(j+1)
    let rest = scaled_power(la, x, squares, k - (1 << j), c)?;
    let pow = &squares[j - 1];
    let level = la.level(&rest).min(la.level(pow));
    let rest = la.align_to_level(&rest, level)?;
    let pow = la.align_to_level(pow, level)?;
    Ok(la.hadamard(&rest, &pow)?)
}
