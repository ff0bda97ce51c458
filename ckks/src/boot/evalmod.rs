//! The approximate modular reduction: `x mod 1` for `x` near an integer, as
//! `sin(2 pi x) / (2 pi)`, computed as a scaled cosine and double-angle steps (Han and Ki;
//! Bossuat et al., EUROCRYPT 2021).
//!
//! The input holds `v = x / K` in `[-1, 1]` (CoeffsToSlots divides by `K`). A Chebyshev
//! interpolant `p` of `cos(2 pi (K v - 1/4) / 2^r)` is evaluated at optimal depth, then `r`
//! double-angle steps `y -> 2 y^2 - 1` give `cos(2 pi x - pi/2) = sin(2 pi x)`. For
//! `x = I + m` with `I` an integer and `|m|` small, `sin(2 pi x) / (2 pi) = m - (2 pi)^2 m^3 / 6
//! `+ ...`; the factor `1 / (2 pi)` is left to SlotsToCoeffs. The interpolation degree is the
//! smallest that keeps `|p o double angles - sin(2 pi K v)|` below the target over `[-1, 1]`,
//! and the baby-step size the one with the fewest ciphertext products.
//!
//! Optionally (Lee et al., "High-precision bootstrapping ... inverse sine function", 2021),
//! `y = sin(2 pi m)` is corrected by the start of `arcsin`'s series, `y + y^3 / 6`, which is
//! `2 pi m + 3 (2 pi m)^5 / 40 + ...` instead of `2 pi m - (2 pi m)^3 / 6 + ...`: two more
//! levels, and the error of a message `|m| <= B / rho` falls from `(2 pi)^2 B^3 / 6 rho^2` to
//! `3 (2 pi)^4 B^5 / 40 rho^4` (in message units).

use super::poly::Chebyshev;
use crate::error::Result;
use crate::eval::{CkksEvaluator, OpCounter};
use crate::scheme::{ModulusChain, ParametersLiteral};
use std::f64::consts::PI;

/// The polynomial part of the modular reduction and its double-angle steps.
#[derive(Clone, Debug, PartialEq)]
pub struct ModReduction {
    /// The half-width `K` of the interval `[-K, K]` of `x` covered.
    pub k: f64,
    /// The number `r` of double-angle steps.
    pub double_angles: u32,
    /// The interpolant of `cos(2 pi (K v - 1/4) / 2^r)` on `[-1, 1]`.
    pub poly: Chebyshev,
    /// `log2` of the baby-step size of its evaluation.
    pub baby_log: u32,
    /// The arcsine correction `y + y^3 / 6` (in the Chebyshev basis), if used.
    pub arcsine: Option<Chebyshev>,
}

/// Points of the grid the approximation error is measured on.
const GRID: usize = 1 << 12;

impl ModReduction {
    /// The reduction for `|x| <= k` with `double_angles` steps, of the least degree (up to
    /// `max_degree`) whose error after the double-angle steps is at most `max_error`
    /// (in units of `sin(2 pi x)`).
    pub fn new(
        k: f64,
        double_angles: u32,
        max_error: f64,
        max_degree: usize,
        arcsine: bool,
    ) -> Self {
        let r = double_angles;
        let f = move |v: f64| (2.0 * PI * (k * v - 0.25) / 2f64.powi(r as i32)).cos();
        // y + y^3 / 6 = (1 + 1/8) T_1 + T_3 / 24.
        let arcsine = arcsine.then(|| Chebyshev { coeffs: vec![0.0, 1.125, 0.0, 1.0 / 24.0] });
        let mut m =
            Self { k, double_angles, poly: Chebyshev { coeffs: vec![0.0] }, baby_log: 1, arcsine };
        // The Chebyshev coefficients of cos(w v) decay fast beyond e w / 2: start there.
        let w = 2.0 * PI * k / 2f64.powi(r as i32);
        let start = ((std::f64::consts::E * w / 2.0) as usize).clamp(1, max_degree);
        for degree in start..=max_degree {
            m.poly = Chebyshev::interpolate(f, degree);
            if m.max_error() <= max_error {
                break;
            }
        }
        m.baby_log = m.best_baby_log();
        m
    }

    /// The approximation in `f64`: the polynomial, then the double-angle steps
    /// (approximately `sin(2 pi K v)`).
    pub fn eval_f64(&self, v: f64) -> f64 {
        (0..self.double_angles).fold(self.poly.eval(v), |y, _| 2.0 * y * y - 1.0)
    }

    /// `max |approximation - sin(2 pi K v)|` over a grid of `[-1, 1]`.
    pub fn max_error(&self) -> f64 {
        (0..=GRID)
            .map(|i| {
                let v = -1.0 + 2.0 * i as f64 / GRID as f64;
                (self.eval_f64(v) - (2.0 * PI * self.k * v).sin()).abs()
            })
            .fold(0.0, f64::max)
    }

    /// Levels consumed: the polynomial's, one per double-angle step, and the correction's.
    pub fn depth(&self) -> usize {
        self.poly.depth()
            + self.double_angles as usize
            + self.arcsine.as_ref().map_or(0, |a| a.depth())
    }

    /// The error in message units of the sine's series for a message `|m| <= b / rho` (the
    /// reduction is exact up to it and [`ModReduction::max_error`] times `rho / 2 pi`).
    pub fn series_error(&self, b: f64, rho: f64) -> f64 {
        let x = 2.0 * PI * b / rho;
        let e = if self.arcsine.is_some() { 3.0 * x.powi(5) / 40.0 } else { x.powi(3) / 6.0 };
        e * rho / (2.0 * PI)
    }

    /// The baby-step size with the fewest relinearizations (counted symbolically).
    fn best_baby_log(&self) -> u32 {
        let depth = self.poly.depth();
        let mut lit = ParametersLiteral::with_levels(4, 0, 60, 40, 60, 1);
        lit.bootstrap_prime_bits = vec![60; depth + 1];
        let chain = ModulusChain::from_literal(&lit).expect("a small analysis chain");
        (1..=depth.max(1) as u32)
            .min_by_key(|&b| {
                let c = OpCounter::new(chain.clone());
                let run = || -> Result<()> {
                    let x = c.encrypt(&[0.5], chain.max_level())?;
                    self.poly.evaluate(&c, &x, b, c.scale(&x))?;
                    Ok(())
                };
                run().map(|_| c.counts().relinearizations).unwrap_or(usize::MAX)
            })
            .unwrap_or(1)
    }

    /// Evaluates the reduction on `x` (slots `v` in `[-1, 1]`): slots `sin(2 pi K v)` (then
    /// corrected towards `2 pi (Kv mod 1)` when the arcsine correction is on), the
    /// polynomial's result aimed at `x`'s scale (each double-angle step then squares it and
    /// divides by its prime).
    ///
    /// # Errors
    /// What the evaluator reports (too few levels, no relinearization key).
    pub fn evaluate<E: CkksEvaluator>(&self, e: &E, x: &E::Value) -> Result<E::Value> {
        let mut y = self.poly.evaluate(e, x, self.baby_log, e.scale(x))?;
        for _ in 0..self.double_angles {
            let sq = e.rescale(&e.square_relin(&y)?)?;
            y = e.add_const(&e.mul_integer(&sq, 2)?, -1.0)?;
        }
        match &self.arcsine {
            Some(a) => a.evaluate(e, &y, 1, e.scale(&y)),
            None => Ok(y),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{DepthFinder, PlaintextEvaluator};

    #[test]
    fn reduction_matches_sine_over_its_range() {
        // (The reference sin(2 pi K v) itself is computed to about 2^-46 in f64.)
        for (k, r) in [(17.0, 2), (17.0, 3), (12.0, 2), (4.0, 1)] {
            let m = ModReduction::new(k, r, 2f64.powi(-40), 255, false);
            assert!(m.max_error() <= 2f64.powi(-40), "K = {k}, r = {r}: {}", m.max_error());
            eprintln!(
                "K = {k}, r = {r}: degree {}, depth {}, baby 2^{}, error 2^{:.1}",
                m.poly.degree(),
                m.depth(),
                m.baby_log,
                m.max_error().log2()
            );
        }
    }

    #[test]
    fn homomorphic_form_matches_f64() {
        let m = ModReduction::new(17.0, 2, 2f64.powi(-40), 255, false);
        let mut lit = ParametersLiteral::with_levels(6, 0, 60, 40, 60, 1);
        lit.bootstrap_prime_bits = vec![60; m.depth() + 2];
        let chain = ModulusChain::from_literal(&lit).unwrap();
        let plain = PlaintextEvaluator::new(chain.clone());
        let vs: Vec<f64> = (0..32).map(|i| -1.0 + i as f64 / 15.5).collect();
        let x = plain.encrypt(&vs, chain.max_level()).unwrap();
        let y = m.evaluate(&plain, &x).unwrap();
        assert_eq!(y.meta().level, chain.max_level() - m.depth());
        for (i, &v) in vs.iter().enumerate() {
            assert!((y.real()[i] - (2.0 * PI * 17.0 * v).sin()).abs() < 2f64.powi(-40));
        }
        let d = DepthFinder::new(chain.clone());
        m.evaluate(&d, &d.encrypt(&vs, chain.max_level()).unwrap()).unwrap();
        assert_eq!(d.depth(), m.depth());
    }
}
