//! Polynomials of `Z_Q[X] / (X^N + 1)` in RNS form, one limb (a residue polynomial) per prime.
//!
//! The representation is part of the type: [`RnsPoly<Coeff>`] holds coefficients,
//! [`RnsPoly<Eval>`] holds the negacyclic NTT of each limb (see [`super::ntt`]). Products exist
//! only in evaluation form, so a product of coefficient vectors cannot be written by mistake.
//!
//! A polynomial does not own its primes: every operation takes the [`Basis`] (a slice of shared
//! NTT tables) it lives in, so a lower level is just a shorter slice of the same tables.

use super::modulus::Modulus;
use super::ntt::{bit_reverse, NttTable};
use super::simd::pointwise::{self, Op, Permutation};
use rayon::prelude::*;
use std::marker::PhantomData;
use std::sync::Arc;

/// An ordered list of primes with their NTT tables. A level is a prefix of the full chain.
pub type Basis = [Arc<NttTable>];

mod sealed {
    pub trait Sealed {}
}

/// Marker of a polynomial representation.
pub trait Form: sealed::Sealed + Send + Sync + 'static {}

/// Coefficient representation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coeff;
/// Evaluation (NTT) representation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Eval;
impl sealed::Sealed for Coeff {}
impl sealed::Sealed for Eval {}
impl Form for Coeff {}
impl Form for Eval {}

/// Below this many words of transform-heavy work (NTTs, conversions), a polynomial is processed
/// on the calling thread.
pub(crate) const PAR_THRESHOLD: usize = 1 << 14;
/// The same for cheap element-wise work (additions, products), where handing the work to the
/// pool (a thread wake-up, tens of microseconds) costs more than it saves on small rings.
const PAR_THRESHOLD_CHEAP: usize = 1 << 17;

/// Whether work of `words` words is worth splitting over rayon's pool: at least `threshold` and
/// more than one thread. With a single thread the calling thread does the work itself, which
/// avoids a context switch per operation.
#[inline]
pub(crate) fn parallel(words: usize, threshold: usize) -> bool {
    words >= threshold && rayon::current_num_threads() > 1
}

/// An RNS polynomial with `num_limbs` residue polynomials of `n` coefficients, stored limb after
/// limb in one buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RnsPoly<F: Form> {
    n: usize,
    data: Vec<u64>,
    _form: PhantomData<F>,
}

/// Runs `f(limb, table)` over the limbs of `data`, in parallel when the work is large enough.
/// Each limb is independent, so the result does not depend on the thread count.
pub(crate) fn for_each_limb<T: Sync>(
    data: &mut [u64],
    n: usize,
    per_limb: &[T],
    f: impl Fn(&mut [u64], &T) + Sync + Send,
) {
    debug_assert_eq!(data.len(), n * per_limb.len());
    if parallel(data.len(), PAR_THRESHOLD) && per_limb.len() > 1 {
        data.par_chunks_mut(n).zip(per_limb.par_iter()).for_each(|(l, t)| f(l, t));
    } else {
        data.chunks_mut(n).zip(per_limb).for_each(|(l, t)| f(l, t));
    }
}

impl<F: Form> RnsPoly<F> {
    /// The zero polynomial with `limbs` limbs of degree `n`.
    pub fn zero(n: usize, limbs: usize) -> Self {
        Self { n, data: vec![0; n * limbs], _form: PhantomData }
    }

    /// Wraps limb-major data (`limbs * n` words, each limb reduced by its prime).
    ///
    /// # Panics
    /// If `data.len()` is not a multiple of `n`.
    pub fn from_data(n: usize, data: Vec<u64>) -> Self {
        assert!(
            n > 0 && data.len().is_multiple_of(n),
            "buffer of {} words is not whole limbs of {n}",
            data.len()
        );
        Self { n, data, _form: PhantomData }
    }

    /// The ring degree `N`.
    #[inline]
    pub fn n(&self) -> usize {
        self.n
    }

    /// The number of limbs (primes) this polynomial has.
    #[inline]
    pub fn num_limbs(&self) -> usize {
        self.data.len() / self.n
    }

    /// Residues modulo the `i`-th prime.
    #[inline]
    pub fn limb(&self, i: usize) -> &[u64] {
        &self.data[i * self.n..(i + 1) * self.n]
    }

    /// Mutable residues modulo the `i`-th prime.
    #[inline]
    pub fn limb_mut(&mut self, i: usize) -> &mut [u64] {
        &mut self.data[i * self.n..(i + 1) * self.n]
    }

    /// All limbs, in order.
    pub fn limbs(&self) -> std::slice::ChunksExact<'_, u64> {
        self.data.chunks_exact(self.n)
    }

    /// The limb-major buffer.
    pub fn data(&self) -> &[u64] {
        &self.data
    }

    /// The mutable limb-major buffer.
    pub fn data_mut(&mut self) -> &mut [u64] {
        &mut self.data
    }

    /// Keeps the first `limbs` limbs (drops the primes of the higher levels).
    ///
    /// # Panics
    /// If `limbs` exceeds the current number of limbs.
    pub fn truncate(&mut self, limbs: usize) {
        assert!(limbs <= self.num_limbs());
        self.data.truncate(limbs * self.n);
    }

    /// Appends the limbs of `other` (same degree) after those of `self`.
    pub fn extend(&mut self, other: &Self) {
        assert_eq!(self.n, other.n);
        self.data.extend_from_slice(&other.data);
    }

    /// A polynomial made of limbs `range` of `self`.
    pub fn sub_limbs(&self, range: std::ops::Range<usize>) -> Self {
        Self::from_data(self.n, self.data[range.start * self.n..range.end * self.n].to_vec())
    }

    fn check(&self, other: &Self, basis: &Basis) {
        assert_eq!(self.n, other.n, "ring degrees differ");
        assert_eq!(self.data.len(), other.data.len(), "limb counts differ");
        assert_eq!(self.num_limbs(), basis.len(), "basis does not match the polynomial");
    }

    /// `op(x, y)` over matching entries of `self` and the first `self.len()` words of `other`,
    /// into a new polynomial (no copy of `self` first).
    fn zip_map(&self, other: &[u64], basis: &Basis, op: Op) -> Self {
        assert!(other.len() >= self.data.len() && self.num_limbs() == basis.len());
        let n = self.n;
        let mut data = vec![0; self.data.len()];
        type Limbs<'a> = ((&'a mut [u64], (&'a [u64], &'a [u64])), &'a Arc<NttTable>);
        let work = |((o, (x, y)), t): Limbs<'_>| pointwise::binary_into(op, x, y, o, t.modulus());
        if parallel(data.len(), PAR_THRESHOLD_CHEAP) && basis.len() > 1 {
            data.par_chunks_mut(n)
                .zip(self.data.par_chunks(n).zip(other.par_chunks(n)))
                .zip(basis.par_iter())
                .for_each(work);
        } else {
            data.chunks_mut(n)
                .zip(self.data.chunks(n).zip(other.chunks(n)))
                .zip(basis)
                .for_each(work);
        }
        Self { n, data, _form: PhantomData }
    }

    /// `self + other`, limb by limb.
    ///
    /// # Panics
    /// If the shapes of `self`, `other` and `basis` differ.
    pub fn add(&self, other: &Self, basis: &Basis) -> Self {
        self.check(other, basis);
        self.zip_map(&other.data, basis, Op::Add)
    }

    /// `self - other`, limb by limb.
    ///
    /// # Panics
    /// If the shapes of `self`, `other` and `basis` differ.
    pub fn sub(&self, other: &Self, basis: &Basis) -> Self {
        self.check(other, basis);
        self.zip_map(&other.data, basis, Op::Sub)
    }

    /// `self += other`, limb by limb.
    ///
    /// # Panics
    /// If the shapes of `self`, `other` and `basis` differ.
    pub fn add_assign(&mut self, other: &Self, basis: &Basis) {
        self.check(other, basis);
        let n = self.n;
        let moduli: Vec<Modulus> = basis.iter().map(|t| *t.modulus()).collect();
        zip_limbs(&mut self.data, &other.data, n, &moduli, |a, b, q| {
            pointwise::binary_assign(Op::Add, a, b, q)
        });
    }

    /// `self -= other`, limb by limb.
    ///
    /// # Panics
    /// If the shapes of `self`, `other` and `basis` differ.
    pub fn sub_assign(&mut self, other: &Self, basis: &Basis) {
        self.check(other, basis);
        let n = self.n;
        let moduli: Vec<Modulus> = basis.iter().map(|t| *t.modulus()).collect();
        zip_limbs(&mut self.data, &other.data, n, &moduli, |a, b, q| {
            pointwise::binary_assign(Op::Sub, a, b, q)
        });
    }

    /// `self = -self`.
    pub fn neg_assign(&mut self, basis: &Basis) {
        assert_eq!(self.num_limbs(), basis.len());
        for_each_limb(&mut self.data, self.n, basis, |l, t| pointwise::neg_assign(l, t.modulus()));
    }

    /// Limb `i` times the scalar `scalars[i] < q_i` (one residue per prime, so the scalar may
    /// be any integer given in RNS form), into a new polynomial (one pass, no copy of `self`).
    pub fn mul_scalar(&self, scalars: &[u64], basis: &Basis) -> Self {
        assert_eq!(self.num_limbs(), basis.len());
        assert_eq!(scalars.len(), basis.len());
        let n = self.n;
        let per = scalar_limbs(basis, scalars, &self.data, n);
        let mut out = Self::zero(n, basis.len());
        for_each_limb(&mut out.data, n, &per, |o, &(q, s, ss, x)| {
            pointwise::sub_mul_const_into(x, None, (s, ss), None, &q, o)
        });
        out
    }

    /// `self += x * scalar` limb by limb (`scalars[i] < q_i`, as in [`RnsPoly::mul_scalar`]),
    /// in one pass. `x` may have more limbs than `self`: its first `self.num_limbs()` are used
    /// (`x` taken at a lower level without a copy).
    ///
    /// # Panics
    /// If `basis` or `scalars` do not match `self`'s limbs, `x` has fewer limbs, or the degrees
    /// differ.
    pub fn mul_scalar_add_assign(&mut self, x: &Self, scalars: &[u64], basis: &Basis) {
        let (n, limbs) = (self.n, self.num_limbs());
        assert!(limbs == basis.len() && scalars.len() == limbs);
        assert!(x.n == n && x.num_limbs() >= limbs);
        let per = scalar_limbs(basis, scalars, &x.data, n);
        for_each_limb(&mut self.data, n, &per, |o, &(q, s, ss, x)| {
            pointwise::mul_const_add_assign(o, x, (s, ss), &q)
        });
    }
}

/// Per limb of `data` (limbs of `n`, as many as `basis` has): the prime, the scalar, its Shoup
/// companion and the limb.
fn scalar_limbs<'a>(
    basis: &Basis,
    scalars: &[u64],
    data: &'a [u64],
    n: usize,
) -> Vec<(Modulus, u64, u64, &'a [u64])> {
    basis
        .iter()
        .zip(scalars)
        .zip(data.chunks(n))
        .map(|((t, &s), x)| {
            let q = *t.modulus();
            (q, s, q.shoup(s), x)
        })
        .collect()
}

fn zip_limbs(
    a: &mut [u64],
    b: &[u64],
    n: usize,
    moduli: &[Modulus],
    f: impl Fn(&mut [u64], &[u64], &Modulus) + Sync + Send,
) {
    if parallel(a.len(), PAR_THRESHOLD_CHEAP) && moduli.len() > 1 {
        a.par_chunks_mut(n)
            .zip(b.par_chunks(n))
            .zip(moduli.par_iter())
            .for_each(|((x, y), q)| f(x, y, q));
    } else {
        a.chunks_mut(n).zip(b.chunks(n)).zip(moduli).for_each(|((x, y), q)| f(x, y, q));
    }
}

impl RnsPoly<Coeff> {
    /// The polynomial with the given small signed coefficients, reduced into every prime.
    pub fn from_signed(coeffs: &[i64], basis: &Basis) -> Self {
        let n = coeffs.len();
        let mut p = Self::zero(n, basis.len());
        for_each_limb(&mut p.data, n, basis, |l, t| {
            let q = t.modulus();
            for (x, &c) in l.iter_mut().zip(coeffs) {
                *x = q.reduce_i64(c);
            }
        });
        p
    }

    /// The forward NTT of every limb.
    pub fn into_eval(mut self, basis: &Basis) -> RnsPoly<Eval> {
        assert_eq!(self.num_limbs(), basis.len());
        for_each_limb(&mut self.data, self.n, basis, |l, t| t.forward(l));
        RnsPoly { n: self.n, data: self.data, _form: PhantomData }
    }

    /// Applies `X -> X^g` (`g` odd) to the coefficients: `a_i` moves to `i g mod 2N`, negated
    /// when that lands in `[N, 2N)`.
    pub fn automorphism(&self, g: usize, basis: &Basis) -> Self {
        let n = self.n;
        assert!(g % 2 == 1, "Galois element must be odd");
        let mut out = Self::zero(n, self.num_limbs());
        let mask = 2 * n - 1;
        for ((dst, src), t) in out.data.chunks_mut(n).zip(self.data.chunks(n)).zip(basis) {
            let q = t.modulus();
            for (i, &c) in src.iter().enumerate() {
                let j = (i * g) & mask;
                if j < n {
                    dst[j] = c;
                } else {
                    dst[j - n] = q.neg(c);
                }
            }
        }
        out
    }
}

impl RnsPoly<Eval> {
    /// The inverse NTT of every limb.
    pub fn into_coeff(mut self, basis: &Basis) -> RnsPoly<Coeff> {
        assert_eq!(self.num_limbs(), basis.len());
        for_each_limb(&mut self.data, self.n, basis, |l, t| t.inverse(l));
        RnsPoly { n: self.n, data: self.data, _form: PhantomData }
    }

    /// `self * other`, where `other` may have more limbs than `self` (only the first
    /// `self.num_limbs()` are used: a higher-level operand seen at this level, without a copy).
    ///
    /// # Panics
    /// If `other` has fewer limbs or another degree, or `basis` does not match `self`.
    pub fn mul_prefix(&self, other: &Self, basis: &Basis) -> Self {
        assert_eq!(self.n, other.n, "ring degrees differ");
        self.zip_map(&other.data, basis, Op::Mul)
    }

    /// `self *= other` (the negacyclic product, pointwise in evaluation form).
    ///
    /// # Panics
    /// If the shapes of `self`, `other` and `basis` differ.
    pub fn mul_assign(&mut self, other: &Self, basis: &Basis) {
        self.check(other, basis);
        let moduli: Vec<Modulus> = basis.iter().map(|t| *t.modulus()).collect();
        zip_limbs(&mut self.data, &other.data, self.n, &moduli, |a, b, q| {
            pointwise::binary_assign(Op::Mul, a, b, q)
        });
    }

    /// `self += a * b`.
    pub fn mul_add_assign(&mut self, a: &Self, b: &Self, basis: &Basis) {
        self.check(a, basis);
        self.check(b, basis);
        let n = self.n;
        let moduli: Vec<Modulus> = basis.iter().map(|t| *t.modulus()).collect();
        type Limbs<'a> = ((&'a mut [u64], (&'a [u64], &'a [u64])), &'a Modulus);
        let work = |((x, (y, z)), q): Limbs<'_>| pointwise::mul_add_assign(x, y, z, q);
        if parallel(self.data.len(), PAR_THRESHOLD_CHEAP) {
            self.data
                .par_chunks_mut(n)
                .zip(a.data.par_chunks(n).zip(b.data.par_chunks(n)))
                .zip(moduli.par_iter())
                .for_each(work);
        } else {
            self.data
                .chunks_mut(n)
                .zip(a.data.chunks(n).zip(b.data.chunks(n)))
                .zip(moduli.iter())
                .for_each(work);
        }
    }

    /// Applies the automorphism `X -> X^g` in evaluation form, as the permutation `perm`
    /// returned by [`eval_automorphism_permutation`].
    pub fn permute(&self, perm: &[u32]) -> Self {
        let n = self.n;
        assert_eq!(perm.len(), n);
        let perm = Permutation::new(perm);
        let mut out = Self::zero(n, self.num_limbs());
        for (dst, src) in out.data.chunks_mut(n).zip(self.data.chunks(n)) {
            perm.apply(src, dst);
        }
        out
    }
}

/// The permutation realising `X -> X^g` on NTT outputs: with `A_k = a(psi^(2 brv(k) + 1))`,
/// `(a o X^g)_k = A_{perm[k]}` where `2 brv(perm[k]) + 1 = g (2 brv(k) + 1) mod 2N`.
///
/// # Panics
/// If `g` is even or `n` is not a power of two.
pub fn eval_automorphism_permutation(n: usize, g: usize) -> Vec<u32> {
    assert!(n.is_power_of_two() && g % 2 == 1);
    let log_n = n.trailing_zeros();
    let mask = 2 * n - 1;
    (0..n)
        .map(|k| {
            let e = 2 * bit_reverse(k, log_n) + 1;
            let e2 = (e * g) & mask;
            bit_reverse((e2 - 1) >> 1, log_n) as u32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::primes::largest_ntt_prime;
    use rand_chacha::ChaCha20Rng;
    use rand_core::{RngCore, SeedableRng};

    fn basis(n: usize, count: usize) -> Vec<Arc<NttTable>> {
        let mut ps = Vec::new();
        for _ in 0..count {
            let p = largest_ntt_prime(50, 2 * n as u64, &ps).unwrap();
            ps.push(p);
        }
        ps.into_iter().map(|p| Arc::new(NttTable::new(Modulus::new(p), n))).collect()
    }

    #[test]
    fn eval_automorphism_matches_coefficient_automorphism() {
        let n = 256;
        let b = basis(n, 3);
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let coeffs: Vec<i64> = (0..n).map(|_| (rng.next_u64() % 1000) as i64 - 500).collect();
        let p = RnsPoly::from_signed(&coeffs, &b);
        for g in [3usize, 5, 25, 2 * n - 1, 125] {
            let expected = p.automorphism(g, &b).into_eval(&b);
            let perm = eval_automorphism_permutation(n, g);
            let got = p.clone().into_eval(&b).permute(&perm);
            assert_eq!(got, expected, "g = {g}");
        }
    }

    #[test]
    fn arithmetic_is_limbwise() {
        let n = 64;
        let b = basis(n, 2);
        let x = RnsPoly::from_signed(&vec![3; n], &b).into_eval(&b);
        let y = RnsPoly::from_signed(&vec![-5; n], &b).into_eval(&b);
        let mut s = x.clone();
        s.add_assign(&y, &b);
        s.sub_assign(&x, &b);
        assert_eq!(s, y);
        let mut z = x.clone();
        z.neg_assign(&b);
        z.add_assign(&x, &b);
        assert_eq!(z, RnsPoly::zero(n, 2));
    }
}
