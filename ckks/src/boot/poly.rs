//! Polynomials in the Chebyshev basis, interpolated in `f64` and evaluated homomorphically at
//! optimal depth with a baby-step giant-step split, every term aimed at an exact scale.
//!
//! # Evaluation
//! `p = sum c_i T_i` of degree `d` on `x` at level `l` comes out at level
//! `l - ceil(log2(d + 1))`, the least possible. The power basis holds the baby steps
//! `T_1 .. T_B` (`B = 2^baby_log`) and the giant steps `T_(2^k)`, each `T_j` at depth
//! `ceil(log2 j)` (`T_(a+b) = 2 T_a T_b - T_(a-b)`, `T_(2a) = 2 T_a^2 - 1`). A polynomial of
//! degree below `2^m` that must come out at depth `m` is split by Chebyshev division as
//! `p = q T_g + r` (`g` the largest power of two `<= d`), `q` with depth budget `m - 1` and
//! `r` with `m`, until it is a leaf: a sum `sum c_j T_j` whose every term has a level to spare
//! for its constant multiplication. Leaves below the baby-step size whose terms are too deep
//! are split the same way, which is what keeps the depth optimal.
//!
//! The splits of one chain `p = q T_g + r`, `r = q' T_g' + r'`, ... all land one level above
//! their target at the same scale, so their products `q T_g` are added before relinearization
//! and the sum is relinearized and rescaled once (a leaf is rescaled with them): one key switch
//! and one rescale per chain instead of one per split.
//!
//! # Scales
//! Every result is computed at a level and an exact scale chosen by its parent (top-down):
//! `q` is aimed at `s q_(l+1) / s_g` so that `q T_g` rescales onto the target `s`, and a leaf
//! multiplies each `T_j` by its coefficient encoded at `s q_(l+1) / s_j`, so that the terms of
//! a sum have equal scales whatever the scales of the power basis. `T_(a-b)` is brought to the
//! scale of the product `2 T_a T_b` by a multiplication by 1 at the right scale, which costs no
//! level.

use crate::error::{CkksError, Result};
use crate::eval::CkksEvaluator;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A polynomial `sum_i c_i T_i(x)` on `[-1, 1]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Chebyshev {
    /// `c_0 .. c_d`.
    pub coeffs: Vec<f64>,
}

/// `ceil(log2 j)` for `j >= 1`.
pub(crate) fn ceil_log2(j: usize) -> usize {
    (usize::BITS - (j - 1).leading_zeros()) as usize
}

impl Chebyshev {
    /// The interpolant of `f` of degree `degree` at the Chebyshev nodes of the first kind.
    pub fn interpolate(f: impl Fn(f64) -> f64, degree: usize) -> Self {
        let n = degree + 1;
        let pi = std::f64::consts::PI;
        let values: Vec<f64> =
            (0..n).map(|k| f((pi * (k as f64 + 0.5) / n as f64).cos())).collect();
        let coeffs = (0..n)
            .map(|j| {
                let s: f64 = values
                    .iter()
                    .enumerate()
                    .map(|(k, &y)| y * (pi * j as f64 * (k as f64 + 0.5) / n as f64).cos())
                    .sum();
                s * if j == 0 { 1.0 } else { 2.0 } / n as f64
            })
            .collect();
        Self { coeffs }
    }

    /// The degree (index of the last nonzero coefficient; 0 for a constant).
    pub fn degree(&self) -> usize {
        degree(&self.coeffs)
    }

    /// The levels a homomorphic evaluation takes: `ceil(log2(degree + 1))`.
    pub fn depth(&self) -> usize {
        ceil_log2(self.degree() + 1)
    }

    /// `p(x)` in `f64` (Clenshaw's recurrence).
    pub fn eval(&self, x: f64) -> f64 {
        let (mut b1, mut b2) = (0.0, 0.0);
        for &c in self.coeffs.iter().skip(1).rev() {
            (b1, b2) = (2.0 * x * b1 - b2 + c, b1);
        }
        x * b1 - b2 + self.coeffs.first().copied().unwrap_or(0.0)
    }

    /// Evaluates `p` on `x` (slots in `[-1, 1]`) with `e`, at optimal depth, the result at
    /// exactly `target_scale`; `baby_log` sets the baby-step size `2^baby_log`.
    ///
    /// # Errors
    /// What the evaluator reports (too few levels, missing relinearization key, a constant
    /// that does not fit); [`CkksError::ConstantPolynomial`] for a constant polynomial.
    pub fn evaluate<E: CkksEvaluator>(
        &self,
        e: &E,
        x: &E::Value,
        baby_log: u32,
        target_scale: f64,
    ) -> Result<E::Value> {
        let depth = self.depth();
        let level = e.level(x);
        if level < depth {
            return Err(CkksError::LevelExhausted);
        }
        let mut eval = Evaluation {
            e,
            top: level,
            baby: 1 << baby_log.max(1),
            basis: BTreeMap::from([(1, x.clone())]),
        };
        match eval.eval(&self.coeffs, level - depth, target_scale)? {
            Term::Value(v) => Ok(v),
            Term::Const(_) => Err(CkksError::ConstantPolynomial),
        }
    }
}

fn degree(c: &[f64]) -> usize {
    c.iter().rposition(|&x| x != 0.0).unwrap_or(0)
}

/// `v` at `level`: itself, or a copy of its lower limbs.
fn at_level<'v, E: CkksEvaluator>(
    e: &E,
    v: &'v E::Value,
    level: usize,
) -> Result<Cow<'v, E::Value>> {
    Ok(if e.level(v) > level { Cow::Owned(e.drop_level(v, level)?) } else { Cow::Borrowed(v) })
}

enum Term<V> {
    Const(f64),
    Value(V),
}

struct Evaluation<'a, E: CkksEvaluator> {
    e: &'a E,
    /// The level of `T_1 = x`.
    top: usize,
    baby: usize,
    basis: BTreeMap<usize, E::Value>,
}

impl<E: CkksEvaluator> Evaluation<'_, E> {
    fn level_of(&self, j: usize) -> usize {
        self.top - ceil_log2(j)
    }

    /// `T_j`, computed on first use (the basis keeps it; callers borrow it).
    fn power(&mut self, j: usize) -> Result<&E::Value> {
        if !self.basis.contains_key(&j) {
            let v = self.compute_power(j)?;
            self.basis.insert(j, v);
        }
        Ok(&self.basis[&j])
    }

    fn compute_power(&mut self, j: usize) -> Result<E::Value> {
        let a = 1 << (ceil_log2(j) - 1);
        let b = j - a;
        let e = self.e;
        self.power(a)?;
        self.power(b)?;
        if a != b {
            self.power(a - b)?;
        }
        let (ta, tb) = (&self.basis[&a], &self.basis[&b]);
        let level = e.level(ta).min(e.level(tb));
        let (ta, tb) = (at_level(e, ta, level)?, at_level(e, tb, level)?);
        let prod = e.mul_integer(&e.relinearize(&e.mul(&ta, &tb)?)?, 2)?;
        if a == b {
            // 2 T_a^2 - 1.
            return e.add_const(&e.rescale(&prod)?, -1.0);
        }
        // 2 T_a T_b - T_(a-b), with T_(a-b) lifted to the product's scale.
        let (mut prod, d) = (prod, &self.basis[&(a - b)]);
        let at = e.scale(&prod) / e.scale(d);
        e.mul_const_add_assign(&mut prod, d, -1.0, at)?;
        e.rescale(&prod)
    }

    /// `sum c_j T_j` aimed at `(level, scale)` but not yet rescaled: at `level + 1` and scale
    /// `scale q_(level+1)`, every term multiplied by its coefficient at the scale that puts it
    /// there.
    fn leaf(&mut self, c: &[f64], level: usize, scale: f64) -> Result<Term<E::Value>> {
        let e = self.e;
        let raw_scale = scale * e.chain().q_primes()[level + 1] as f64;
        let mut acc: Option<E::Value> = None;
        for (j, &cj) in c.iter().enumerate().skip(1).filter(|(_, &cj)| cj != 0.0) {
            let t = self.power(j)?;
            let at = raw_scale / e.scale(t);
            match &mut acc {
                None => acc = Some(e.mul_const_at_scale(&*at_level(e, t, level + 1)?, cj, at)?),
                Some(a) => e.mul_const_add_assign(a, t, cj, at)?,
            }
        }
        let Some(acc) = acc else { return Ok(Term::Const(c[0])) };
        Ok(Term::Value(if c[0] != 0.0 { e.add_const(&acc, c[0])? } else { acc }))
    }

    /// `p` at `(level, scale)`: [`Evaluation::eval_raw`], relinearized once and rescaled once.
    fn eval(&mut self, c: &[f64], level: usize, scale: f64) -> Result<Term<E::Value>> {
        let e = self.e;
        Ok(match self.eval_raw(c, level, scale)? {
            Term::Const(a) => Term::Const(a),
            Term::Value(v) if e.meta(&v).size > 2 => Term::Value(e.rescale(&e.relinearize(&v)?)?),
            Term::Value(v) => Term::Value(e.rescale(&v)?),
        })
    }

    /// `p` aimed at `(level, scale)`, before its last relinearization and rescale: at
    /// `level + 1`, scale `scale q_(level+1)`, possibly with three components. The splits
    /// `p = q T_g + r`, `r = q' T_g' + r'`, ... all land there, so their products are added
    /// unrelinearized and the sum is relinearized and rescaled once instead of once per split.
    fn eval_raw(&mut self, c: &[f64], level: usize, scale: f64) -> Result<Term<E::Value>> {
        let d = degree(c);
        if d == 0 {
            return Ok(Term::Const(c.first().copied().unwrap_or(0.0)));
        }
        let fits = (1..=d).all(|j| c[j] == 0.0 || self.level_of(j) > level);
        if d < self.baby && fits {
            return self.leaf(&c[..=d], level, scale);
        }
        // p = q T_g + r by Chebyshev division (2 T_g T_j = T_(g+j) + T_(g-j)).
        let g = 1 << (usize::BITS - 1 - d.leading_zeros());
        let mut qc = vec![0.0; d - g + 1];
        let mut rc = c[..g].to_vec();
        qc[0] = c[g];
        for j in 1..=d - g {
            qc[j] = 2.0 * c[g + j];
            rc[g - j] -= c[g + j];
        }
        let e = self.e;
        let tg_scale = e.scale(self.power(g)?);
        let q_scale = scale * e.chain().q_primes()[level + 1] as f64 / tg_scale;
        let quotient = self.eval(&qc, level + 1, q_scale)?;
        let tg = at_level(e, &self.basis[&g], level + 1)?;
        let prod = match quotient {
            Term::Const(0.0) => None,
            Term::Const(a) => Some(e.mul_const_at_scale(&tg, a, q_scale)?),
            Term::Value(qv) => Some(e.mul(&qv, &tg)?),
        };
        let rest = self.eval_raw(&rc, level, scale)?;
        Ok(match (prod, rest) {
            (None, r) => r,
            (Some(p), Term::Const(0.0)) => Term::Value(p),
            (Some(p), Term::Const(a)) => Term::Value(e.add_const(&p, a)?),
            (Some(mut p), Term::Value(r)) => {
                e.add_assign(&mut p, &r)?;
                Term::Value(p)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{DepthFinder, OpCounter, PlaintextEvaluator};
    use crate::ModulusChain;

    fn chain() -> ModulusChain {
        let mut lit = crate::ParametersLiteral::with_levels(5, 2, 60, 40, 60, 1);
        lit.bootstrap_prime_bits = vec![60; 12];
        ModulusChain::from_literal(&lit).unwrap()
    }

    #[test]
    fn interpolation_and_clenshaw_match_the_function() {
        let p = Chebyshev::interpolate(|x| (3.0 * x).sin() + x * x, 30);
        for i in 0..=100 {
            let x = -1.0 + i as f64 / 50.0;
            assert!((p.eval(x) - ((3.0 * x).sin() + x * x)).abs() < 1e-13);
        }
        assert_eq!(Chebyshev { coeffs: vec![1.0, 0.0, 2.0, 0.0] }.degree(), 2);
    }

    #[test]
    fn homomorphic_form_matches_f64_at_optimal_depth() {
        let chain = chain();
        let plain = PlaintextEvaluator::new(chain.clone());
        let xs: Vec<f64> = (0..16).map(|i| -1.0 + i as f64 / 7.5).collect();
        for degree in [1usize, 2, 3, 5, 7, 8, 15, 16, 31, 40, 63] {
            let p = Chebyshev::interpolate(|x| (2.5 * x).cos() - 0.3 * x, degree);
            for baby_log in 1..=4 {
                let x = plain.encrypt(&xs, chain.max_level()).unwrap();
                let target = x.meta().scale;
                let y = p.evaluate(&plain, &x, baby_log, target).unwrap();
                assert_eq!(y.meta().level, chain.max_level() - p.depth(), "degree {degree}");
                assert!((y.meta().scale / target - 1.0).abs() < 1e-12);
                for (i, &v) in xs.iter().enumerate() {
                    assert!((y.real()[i] - p.eval(v)).abs() < 1e-9, "degree {degree}");
                }
                // The depth finder agrees.
                let depth = DepthFinder::new(chain.clone());
                let x = depth.encrypt(&xs, chain.max_level()).unwrap();
                p.evaluate(&depth, &x, baby_log, target).unwrap();
                assert_eq!(depth.depth(), p.depth());
            }
        }
    }

    #[test]
    fn baby_steps_trade_products() {
        let chain = chain();
        let p = Chebyshev::interpolate(|x| (9.0 * x).cos(), 60);
        let relins: Vec<usize> = (1..=6)
            .map(|b| {
                let c = OpCounter::new(chain.clone());
                let x = c.encrypt(&[0.5], chain.max_level()).unwrap();
                p.evaluate(&c, &x, b, x.scale).unwrap();
                c.counts().relinearizations
            })
            .collect();
        eprintln!("relinearizations by baby_log: {relins:?}");
        // Some split does better than the extremes.
        let best = *relins.iter().min().unwrap();
        assert!(best < relins[0] && best <= relins[5], "{relins:?}");
    }
}
