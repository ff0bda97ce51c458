//! Homomorphic linear transforms: a matrix given by its diagonals, evaluated baby-step
//! giant-step with hoisted baby rotations, against the evaluator interface.
//!
//! With offsets `k = s (g + b)` (stride `s`, baby index `b < n1`, giant `g` a multiple of
//! `n1`), `sum_k d_k o rot_k(x) = sum_g rot_(s g)( sum_b rot_(-s g)(d_k) o rot_(s b)(x) )`:
//! the baby rotations of `x` share one decomposition ([`CkksEvaluator::rotate_hoisted`]), the
//! diagonals are stored pre-rotated by `-s g`, and each giant step costs one more rotation.
//! One rescale at the end: one level per transform.

use super::dft::DiagMatrix;
use crate::error::Result;
use crate::eval::CkksEvaluator;
use num_complex::Complex64;
use std::collections::BTreeSet;

/// One giant step: its rotation (slots) and the diagonals summed before it, as
/// `(baby index, offset)`.
#[derive(Clone, Debug, PartialEq)]
pub struct GiantStep {
    /// The rotation after the inner sum (0 for none).
    pub step: usize,
    /// `(index into the baby steps, offset of the diagonal)`.
    pub terms: Vec<(usize, usize)>,
}

/// One matrix, arranged for evaluation: level, encoding scale, baby and giant steps.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearTransform {
    /// Period of the slot vectors (rotations act modulo it).
    pub period: usize,
    /// The level of the input (and of the encoded diagonals).
    pub level: usize,
    /// The scale the diagonals are encoded at.
    pub plain_scale: f64,
    /// The baby rotations, in slots (`0` included when some diagonal needs it).
    pub babies: Vec<usize>,
    /// The giant steps.
    pub giants: Vec<GiantStep>,
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

impl LinearTransform {
    /// Arranges a matrix with diagonals at `offsets` (in `[0, period)`, `period` a power of
    /// two): the baby-step count `n1` (a power of two) minimising
    /// `baby_cost x (hoisted rotations) + (giant rotations)`, fewer rotations in all on a tie.
    ///
    /// # Panics
    /// If `offsets` is empty.
    pub fn arrange(
        offsets: &[usize],
        period: usize,
        level: usize,
        plain_scale: f64,
        baby_cost: f64,
    ) -> Self {
        assert!(!offsets.is_empty());
        let stride = offsets.iter().fold(period, |g, &k| gcd(g, k));
        let units = period / stride;
        let split = |n1: usize| {
            let babies: BTreeSet<usize> = offsets.iter().map(|&k| (k / stride) % n1).collect();
            let giants: BTreeSet<usize> =
                offsets.iter().map(|&k| k / stride - (k / stride) % n1).collect();
            (babies, giants)
        };
        let cost = |n1: usize| {
            let (b, g) = split(n1);
            let nb = b.len() - usize::from(b.contains(&0));
            let ng = g.len() - usize::from(g.contains(&0));
            (baby_cost * nb as f64 + ng as f64, nb + ng)
        };
        let mut n1 = 1;
        let mut best = 1;
        while n1 <= units {
            let (c, k) = cost(n1);
            let (bc, bk) = cost(best);
            if c < bc - 1e-9 || (c < bc + 1e-9 && k < bk) {
                best = n1;
            }
            n1 *= 2;
        }
        let (babies, giants) = split(best);
        let babies: Vec<usize> = babies.into_iter().collect();
        let giants = giants
            .into_iter()
            .map(|g| GiantStep {
                step: g * stride,
                terms: offsets
                    .iter()
                    .filter(|&&k| k / stride - (k / stride) % best == g)
                    .map(|&k| {
                        let b = (k / stride) % best;
                        (babies.iter().position(|&x| x == b).expect("baby present"), k)
                    })
                    .collect(),
            })
            .collect();
        let babies = babies.into_iter().map(|b| b * stride).collect();
        Self { period, level, plain_scale, babies, giants }
    }

    /// Every rotation step it uses (baby and giant, nonzero).
    pub fn rotations(&self) -> BTreeSet<usize> {
        self.babies
            .iter()
            .chain(self.giants.iter().map(|g| &g.step))
            .copied()
            .filter(|&s| s != 0)
            .collect()
    }

    /// The number of diagonals.
    pub fn diagonals(&self) -> usize {
        self.giants.iter().map(|g| g.terms.len()).sum()
    }

    /// The slot vectors to encode, per giant step and term: the diagonal of `matrix` at the
    /// term's offset rotated by `-step`, repeated to `slots` entries.
    pub(crate) fn diagonal_values(
        &self,
        matrix: &DiagMatrix,
        slots: usize,
    ) -> Vec<Vec<Vec<Complex64>>> {
        let p = self.period;
        self.giants
            .iter()
            .map(|g| {
                g.terms
                    .iter()
                    .map(|&(_, k)| {
                        let d = &matrix.diags[&k];
                        (0..slots).map(|r| d[(r % p + p - g.step % p) % p]).collect()
                    })
                    .collect()
            })
            .collect()
    }

    /// Encodes the diagonals of `matrix` with `e`, at this transform's level and scale.
    ///
    /// # Errors
    /// What the encoder reports (an overflow of the scaled diagonals).
    #[cfg(test)]
    pub(crate) fn encode<E: CkksEvaluator>(
        &self,
        e: &E,
        matrix: &DiagMatrix,
    ) -> Result<Vec<Vec<E::Plain>>> {
        use rayon::prelude::*;
        self.diagonal_values(matrix, e.slots())
            .into_par_iter()
            .map(|g| {
                g.into_iter()
                    .map(|v| e.encode_complex(&v, self.level, self.plain_scale))
                    .collect::<Result<Vec<_>>>()
            })
            .collect()
    }

    /// Evaluates the transform on `x` with the encoded diagonals `plains` (from
    /// `LinearTransform::encode`): one level, scale times `plain_scale / q_level`.
    ///
    /// # Errors
    /// What the evaluator reports: missing rotation keys, a level or scale mismatch.
    pub fn apply<E: CkksEvaluator>(
        &self,
        e: &E,
        x: &E::Value,
        plains: &[Vec<E::Plain>],
    ) -> Result<E::Value> {
        let x = if e.level(x) > self.level { e.drop_level(x, self.level)? } else { x.clone() };
        let steps: Vec<i64> = self.babies.iter().map(|&b| b as i64).collect();
        let rotated = e.rotate_hoisted(&x, &steps)?;
        let mut total: Option<E::Value> = None;
        for (g, plains) in self.giants.iter().zip(plains) {
            let mut inner: Option<E::Value> = None;
            for (&(b, _), p) in g.terms.iter().zip(plains) {
                let t = e.mul_plain(&rotated[b], p)?;
                inner = Some(match inner {
                    None => t,
                    Some(acc) => e.add(&acc, &t)?,
                });
            }
            let inner = inner.expect("a giant step has terms");
            let inner = if g.step == 0 { inner } else { e.rotate(&inner, g.step as i64)? };
            total = Some(match total {
                None => inner,
                Some(acc) => e.add(&acc, &inner)?,
            });
        }
        e.rescale(&total.expect("a transform has diagonals"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrangement_covers_every_offset_once() {
        let period: usize = 1 << 10;
        // A CoeffsToSlots-like factor: offsets 16 t, |t| < 16.
        let offsets: Vec<usize> =
            (-15i64..16).map(|t| (t * 16).rem_euclid(period as i64) as usize).collect();
        let lt = LinearTransform::arrange(&offsets, period, 3, 1.0, 0.5);
        let mut seen: Vec<usize> = lt
            .giants
            .iter()
            .flat_map(|g| {
                g.terms.iter().map(|&(b, k)| {
                    assert_eq!((g.step + lt.babies[b]) % period, k);
                    k
                })
            })
            .collect();
        seen.sort_unstable();
        let mut want = offsets.clone();
        want.sort_unstable();
        assert_eq!(seen, want);
        // n1 = 8: 7 baby and 3 giant rotations.
        assert_eq!(lt.babies.len(), 8);
        assert_eq!(lt.giants.len(), 4);
        assert_eq!(lt.rotations().len(), 10);
    }
}
