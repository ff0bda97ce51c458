//! Fast base conversion between RNS bases (approximate, centred), and the centred lift of one
//! prime's residues into another.

use crate::math::modulus::Modulus;
use crate::math::simd::SumTerm;
use rayon::prelude::*;
use std::borrow::Cow;

/// Base conversion from basis `A = {a_i}` to basis `B = {b_j}` (Bajard et al.;
/// Halevi-Polyakov-Shoup): `conv(x)_j = sum_i y_i (A/a_i) - v A mod b_j` with
/// `y_i = [x_i (A/a_i)^-1]_{a_i}` and `v = round(sum_i y_i / a_i)`, which is the centred
/// representative of `x mod A`. The centring matters: a biased lift (always in `[0, A)`) adds the
/// same offset to every coefficient, and a constant offset times the secret is large on a few
/// slots of the canonical embedding.
#[derive(Clone, Debug)]
pub struct BaseConverter {
    from: Vec<Modulus>,
    to: Vec<Modulus>,
    /// `(A/a_i)^-1 mod a_i` and its Shoup companion.
    a_hat_inv: Vec<(u64, u64)>,
    /// `a_hat_mod_b[j][i] = (A/a_i) mod b_j`.
    a_hat_mod_b: Vec<Vec<u64>>,
    /// `A mod b_j`.
    a_mod_b: Vec<u64>,
    /// Per target, when a vector kernel serves it: the constants of its sums.
    fp: Vec<Option<FloatTarget>>,
    /// Per source prime: whether it is 2^51 or more (its `y_i` enter the double-precision sums as
    /// two 32-bit halves).
    wide: Vec<bool>,
}

/// The constants of [`crate::math::simd::conversion_sums`] for one target `b`: `-A mod b`,
/// `(A/a_i) mod b` and `(A/a_i) 2^32 mod b` (the last for the double-precision kernel).
#[derive(Clone, Debug)]
struct FloatTarget {
    neg_a: u64,
    m: Vec<u64>,
    m_hi: Vec<u64>,
}

/// Sources of this many bits or more are split into 32-bit halves for the double-precision sums.
const WIDE_SOURCE_BITS: u32 = 52;

impl BaseConverter {
    /// Precomputes the conversion from `from` to `to`.
    ///
    /// # Panics
    /// If `from` is empty or longer than 64 primes (the `u128` accumulator would overflow), or the
    /// moduli of `from` are not pairwise coprime.
    pub fn new(from: &[Modulus], to: &[Modulus]) -> Self {
        assert!(!from.is_empty() && from.len() <= 64);
        let a_hat_inv = from
            .iter()
            .enumerate()
            .map(|(i, ai)| {
                let h = from
                    .iter()
                    .enumerate()
                    .filter(|&(k, _)| k != i)
                    .fold(1u64, |acc, (_, ak)| ai.mul(acc, ak.value()));
                let inv = ai.inv(h).expect("moduli are pairwise coprime");
                (inv, ai.shoup(inv))
            })
            .collect();
        let a_hat_mod_b: Vec<Vec<u64>> = to
            .iter()
            .map(|bj| {
                (0..from.len())
                    .map(|i| {
                        from.iter()
                            .enumerate()
                            .filter(|&(k, _)| k != i)
                            .fold(1u64, |acc, (_, ak)| bj.mul(acc, ak.value()))
                    })
                    .collect()
            })
            .collect();
        let a_mod_b: Vec<u64> =
            to.iter().map(|bj| from.iter().fold(1u64, |acc, a| bj.mul(acc, a.value()))).collect();
        let fp =
            to.iter()
                .zip(a_hat_mod_b.iter().zip(&a_mod_b))
                .map(|(bj, (m, &amb)): (&Modulus, (&Vec<u64>, &u64))| {
                    (from.len() > 1 && crate::math::simd::conversion_sums_available(bj.bits()))
                        .then(|| {
                            let shift = bj.reduce_u128(1 << 32);
                            FloatTarget {
                                neg_a: bj.neg(amb),
                                m: m.clone(),
                                m_hi: m.iter().map(|&x| bj.mul(x, shift)).collect(),
                            }
                        })
                })
                .collect();
        let wide = from.iter().map(|a| a.bits() >= WIDE_SOURCE_BITS).collect();
        Self { from: from.to_vec(), to: to.to_vec(), a_hat_inv, a_hat_mod_b, a_mod_b, fp, wide }
    }

    /// Converts `input` (`|A|` limbs of `n` coefficients, coefficient form) into `output`, which
    /// holds the first `output.len() / n` limbs of basis `B` (a prefix of `B` is a lower level).
    ///
    /// The result is the centred representative of `x mod A` in `(-A/2, A/2]`, exactly: the
    /// multiple of `A` that the plain sum carries is `v = round(sum_i y_i / a_i)`, estimated in
    /// `f64` (Halevi-Polyakov-Shoup) and subtracted. When the fractional part of that sum lies
    /// within `2^-40` of one half, the two neighbouring representatives are equally good.
    ///
    /// # Panics
    /// If `input` is not `|A|` limbs or `output` is not whole limbs of at most `|B|`.
    pub fn convert(&self, input: &[u64], output: &mut [u64], n: usize) {
        assert!(output.len().is_multiple_of(n));
        self.convert_limbs(input, output.chunks_mut(n).collect(), n);
    }

    /// [`BaseConverter::convert`] into separate limbs: `outputs[j]` receives the residues modulo
    /// `b_j`, so the targets may be scattered in a larger polynomial.
    ///
    /// # Panics
    /// If `input` is not `|A|` limbs, an output is not `n` words, or there are more outputs
    /// than `|B|`.
    pub fn convert_limbs(&self, input: &[u64], mut outputs: Vec<&mut [u64]>, n: usize) {
        assert!(outputs.len() <= self.to.len() && outputs.iter().all(|o| o.len() == n));
        let prep = self.prepare(input, n);
        if crate::math::poly::parallel(outputs.len() * n, crate::math::poly::PAR_THRESHOLD)
            && outputs.len() > 1
        {
            outputs.par_iter_mut().enumerate().for_each(|(j, out)| self.finish(&prep, j, out));
        } else {
            outputs.iter_mut().enumerate().for_each(|(j, out)| self.finish(&prep, j, out));
        }
    }

    /// The part of a conversion shared by all targets: `y_i = [x_i (A/a_i)^-1]_{a_i}` and
    /// `v = round(sum_i y_i / a_i)` (nothing for a single source prime).
    ///
    /// The same as [`BaseConverter::scale_source`] on every limb, then
    /// [`BaseConverter::quotients`] and [`BaseConverter::prepared`]: a caller that owns the
    /// buffers (and a thread pool) can run those steps itself, in place and in pieces.
    ///
    /// # Panics
    /// If `input` is not `|A|` limbs of `n` coefficients.
    pub fn prepare<'a>(&self, input: &'a [u64], n: usize) -> Prepared<'a> {
        assert_eq!(input.len(), self.from.len() * n);
        if self.from.len() == 1 {
            return Prepared { input, y: Cow::Borrowed(&[]), v: Cow::Borrowed(&[]), n };
        }
        let mut y = input.to_vec();
        for (i, l) in y.chunks_mut(n).enumerate() {
            self.scale_source(i, l);
        }
        let mut v = vec![0; n];
        self.quotients(&y, n, 0, &mut v);
        Prepared { input, y: Cow::Owned(y), v: Cow::Owned(v), n }
    }

    /// The first step of [`BaseConverter::prepare`] on source limb `i`, in place:
    /// `x_i -> y_i = [x_i (A/a_i)^-1]_{a_i}`.
    ///
    /// # Panics
    /// If `i >= |A|`.
    pub fn scale_source(&self, i: usize, limb: &mut [u64]) {
        let (a, (w, ws)) = (&self.from[i], self.a_hat_inv[i]);
        for x in limb {
            *x = a.mul_shoup(*x, w, ws);
        }
    }

    /// The second step of [`BaseConverter::prepare`]: `v = round(sum_i y_i / a_i)` for the
    /// coefficients `start .. start + v.len()`, from the scaled limbs `y` (`|A|` limbs of `n`).
    ///
    /// # Panics
    /// If `y` is not `|A|` limbs of `n` or the range passes `n`.
    pub fn quotients(&self, y: &[u64], n: usize, start: usize, v: &mut [u64]) {
        assert_eq!(y.len(), self.from.len() * n);
        let inv: Vec<f64> = self.from.iter().map(|a| 1.0 / a.value() as f64).collect();
        let limbs: Vec<&[u64]> = y.chunks_exact(n).map(|l| &l[start..start + v.len()]).collect();
        for (c, out) in v.iter_mut().enumerate() {
            // The sum in the order of the sources, from 0.0: every way of cutting the work
            // into pieces gives the same bits.
            let mut f = 0f64;
            for (l, &ia) in limbs.iter().zip(&inv) {
                f += l[c] as i64 as f64 * ia;
            }
            *out = f.round() as u64;
        }
    }

    /// A prepared conversion from the results of [`BaseConverter::scale_source`] (`y`, all `|A|`
    /// limbs) and [`BaseConverter::quotients`] (`v`, all `n` coefficients); for a single source
    /// prime, `y` is the unscaled input and `v` is empty.
    ///
    /// # Panics
    /// If the lengths do not match.
    pub fn prepared<'a>(&self, y: &'a [u64], v: &'a [u64], n: usize) -> Prepared<'a> {
        assert_eq!(y.len(), self.from.len() * n);
        if self.from.len() == 1 {
            return Prepared { input: y, y: Cow::Borrowed(&[]), v: Cow::Borrowed(&[]), n };
        }
        assert_eq!(v.len(), n);
        Prepared { input: y, y: Cow::Borrowed(y), v: Cow::Borrowed(v), n }
    }

    /// The source prime when there is only one (the conversion is then a centred lift, which
    /// [`NttTable::forward_lifted`](crate::math::NttTable::forward_lifted) fuses with a transform).
    pub fn single_source(&self) -> Option<u64> {
        (self.from.len() == 1).then(|| self.from[0].value())
    }

    /// The residues modulo target `b_j` of a prepared conversion.
    ///
    /// # Panics
    /// If `j >= |B|` or `out` is not `n` words.
    pub fn finish(&self, prep: &Prepared<'_>, j: usize, out: &mut [u64]) {
        let n = prep.n;
        assert_eq!(out.len(), n);
        let bj = &self.to[j];
        if self.from.len() == 1 {
            return self.lift_single(prep.input, bj, out);
        }
        if let Some(fp) = &self.fp[j] {
            let mut terms = vec![SumTerm { x: &prep.v, m: fp.neg_a, m_high: None }];
            for ((x, &m), (&m_hi, &wide)) in
                prep.y.chunks_exact(n).zip(&fp.m).zip(fp.m_hi.iter().zip(&self.wide))
            {
                terms.push(SumTerm { x, m, m_high: wide.then_some(m_hi) });
            }
            if crate::math::simd::conversion_sums(&terms, bj, out) {
                return;
            }
        }
        let (m, neg_a) = (&self.a_hat_mod_b[j], bj.neg(self.a_mod_b[j]));
        // Coefficient by coefficient, the sum in registers: one 64 x 64-bit product and a
        // 128-bit addition per source prime (measured 2.4x faster than sums kept in memory
        // over chunks of coefficients, N = 2^15, 5 -> 15 primes).
        let y: Vec<&[u64]> = prep.y.chunks_exact(n).collect();
        for (c, (o, &vc)) in out.iter_mut().zip(prep.v.iter()).enumerate() {
            let mut acc = vc as u128 * neg_a as u128;
            for (yi, &mi) in y.iter().zip(m) {
                acc += yi[c] as u128 * mi as u128;
            }
            *o = bj.reduce_u128(acc);
        }
    }

    /// One source prime `a`: the centred lift of `x in [0, a)` into `Z_b` is `x` or `x - a`.
    fn lift_single(&self, input: &[u64], bj: &Modulus, out: &mut [u64]) {
        centred_lift(&input[..out.len()], self.from[0].value(), bj, out);
    }
}

/// The centred lift of residues `x < a` (any odd `a`) into `Z_b`: `x mod b` if `x <= a/2`, else
/// `x - a mod b` (rescaling and single-prime base conversion), by the kernels of
/// [`crate::math::simd::centred_lift`].
///
/// # Panics
/// If the lengths differ.
pub fn centred_lift(input: &[u64], a: u64, b: &Modulus, out: &mut [u64]) {
    crate::math::simd::centred_lift(input, out, a, b)
}

/// A conversion's shared part, from [`BaseConverter::prepare`].
#[derive(Debug)]
pub struct Prepared<'a> {
    input: &'a [u64],
    y: Cow<'a, [u64]>,
    v: Cow<'a, [u64]>,
    n: usize,
}
