//! The canonical embedding as a product of sparse matrices: the "special FFT" of the encoder
//! ([`crate::Encoder`]) split into its butterfly stages, each a matrix with three nonzero
//! diagonals, and stages merged into the factors of a level budget.
//!
//! With `n` slots (the subring of degree `2n` when `n < N/2`), decoding maps the packed
//! coefficients `u_k = a_k + i a_{k+n}` to the slots `z_j = sum_k u_k w^(5^j k)`,
//! `w = exp(2 pi i / 4n)`. The encoder computes it as a bit-reversal followed by `log2 n`
//! butterfly stages; bootstrapping keeps the coefficients in bit-reversed order (the modular
//! reduction between the two transforms is slot-wise, so the order does not matter), which
//! leaves only the stages: SlotsToCoeffs is `S_n ... S_4 S_2` and CoeffsToSlots its inverse.
//!
//! Matrices are stored by diagonals: `out[r] = sum_k d_k[r] in[(r + k) mod P]`, the form a
//! homomorphic linear transform evaluates with rotations (`rot_k(in)[r] = in[r + k]`). `P` is
//! the period of the slot vectors: `n` for full slots, `2n` for sparse slots, where the real
//! and imaginary parts of the coefficients share one ciphertext.

use num_complex::Complex64;
use std::collections::BTreeMap;

/// A square matrix of size `period` by its diagonals (offsets in `[0, period)`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DiagMatrix {
    pub period: usize,
    pub diags: BTreeMap<usize, Vec<Complex64>>,
}

impl DiagMatrix {
    /// The identity.
    pub fn identity(period: usize) -> Self {
        let mut diags = BTreeMap::new();
        diags.insert(0, vec![Complex64::new(1.0, 0.0); period]);
        Self { period, diags }
    }

    /// `self * rhs` (`rhs` applied first): `(AB)_{a+b}[r] = sum A_a[r] B_b[r + a]`. Every
    /// offset of the Minkowski sum is kept, so the structure does not depend on the values.
    pub fn mul(&self, rhs: &Self) -> Self {
        assert_eq!(self.period, rhs.period);
        let p = self.period;
        let mut diags: BTreeMap<usize, Vec<Complex64>> = BTreeMap::new();
        for (&a, da) in &self.diags {
            for (&b, db) in &rhs.diags {
                let out = diags.entry((a + b) % p).or_insert_with(|| vec![Complex64::default(); p]);
                for (r, o) in out.iter_mut().enumerate() {
                    *o += da[r] * db[(r + a) % p];
                }
            }
        }
        Self { period: p, diags }
    }

    /// Multiplies every entry by `c`.
    pub fn scale(&mut self, c: Complex64) {
        self.diags.values_mut().flatten().for_each(|x| *x *= c);
    }

    /// Multiplies row `r` by `d[r]` (a diagonal matrix applied after this one).
    pub fn scale_rows(&mut self, d: &[Complex64]) {
        for diag in self.diags.values_mut() {
            diag.iter_mut().zip(d).for_each(|(x, &s)| *x *= s);
        }
    }

    /// The matrix applied to `v` (of length `period`).
    pub fn apply(&self, v: &[Complex64]) -> Vec<Complex64> {
        let p = self.period;
        let mut out = vec![Complex64::default(); p];
        for (&k, d) in &self.diags {
            for (r, o) in out.iter_mut().enumerate() {
                *o += d[r] * v[(r + k) % p];
            }
        }
        out
    }
}

/// The roots `w^(5^j mod 4len) (4n / 4len)` of one butterfly stage of length `len`, for
/// `j < len / 2`, with `w = exp(2 pi i / 4n)`.
fn stage_roots(n: usize, len: usize) -> Vec<Complex64> {
    let m = 4 * n;
    let lenq = 4 * len;
    let mut g = 1usize;
    (0..len / 2)
        .map(|_| {
            let idx = (g % lenq) * (m / lenq);
            g = g * 5 % m;
            Complex64::from_polar(1.0, 2.0 * std::f64::consts::PI * idx as f64 / m as f64)
        })
        .collect()
}

/// The decoding butterfly of length `len` (`out[i+j] = v[i+j] + w_j v[i+j+h]`,
/// `out[i+j+h] = v[i+j] - w_j v[i+j+h]`, `h = len/2`) on every block of `len` entries of a
/// vector of `period` entries (so on each copy of the `n` entries when `period = 2n`); or its
/// inverse.
fn stage(n: usize, period: usize, len: usize, inverse: bool) -> DiagMatrix {
    let h = len / 2;
    let roots = stage_roots(n, len);
    let zero = Complex64::default();
    let (mut d0, mut dp, mut dm) = (vec![zero; period], vec![zero; period], vec![zero; period]);
    for i in (0..period).step_by(len) {
        for (j, &w) in roots.iter().enumerate() {
            let (top, bottom) = (i + j, i + j + h);
            if inverse {
                // v[top] = (out[top] + out[bottom]) / 2, v[bottom] = (out[top] - out[bottom]) / 2w.
                let half_w = 0.5 / w;
                d0[top] = Complex64::new(0.5, 0.0);
                dp[top] = Complex64::new(0.5, 0.0);
                d0[bottom] = -half_w;
                dm[bottom] = half_w;
            } else {
                d0[top] = Complex64::new(1.0, 0.0);
                dp[top] = w;
                d0[bottom] = -w;
                dm[bottom] = Complex64::new(1.0, 0.0);
            }
        }
    }
    let mut diags = BTreeMap::new();
    diags.insert(0, d0);
    // For h = period / 2 the offsets +h and -h coincide (their rows are disjoint).
    for (k, d) in [(h % period, dp), ((period - h) % period, dm)] {
        let e = diags.entry(k).or_insert_with(|| vec![zero; period]);
        e.iter_mut().zip(d).for_each(|(x, y)| *x += y);
    }
    DiagMatrix { period, diags }
}

/// The butterfly stages of decoding `n` slots, in the order they are applied (lengths
/// `2, 4, ..., n`), each on vectors of `period` entries.
pub(crate) fn decoding_stages(n: usize, period: usize) -> Vec<DiagMatrix> {
    let mut out = Vec::new();
    let mut len = 2;
    while len <= n {
        out.push(stage(n, period, len, false));
        len *= 2;
    }
    out
}

/// The inverses of [`decoding_stages`], in the order they are applied (lengths `n, ..., 2`).
pub(crate) fn encoding_stages(n: usize, period: usize) -> Vec<DiagMatrix> {
    let mut out = Vec::new();
    let mut len = n;
    while len >= 2 {
        out.push(stage(n, period, len, true));
        len /= 2;
    }
    out
}

/// How many stages each of `factors` factors merges: `stages` split as evenly as possible,
/// the larger groups first (a factor may be empty when there are fewer stages than factors).
pub(crate) fn group_sizes(stages: usize, factors: usize) -> Vec<usize> {
    (0..factors).map(|i| stages / factors + usize::from(i < stages % factors)).collect()
}

/// Merges consecutive stages (in application order) into `factors` factors, also in
/// application order.
pub(crate) fn merge(stages: &[DiagMatrix], period: usize, factors: usize) -> Vec<DiagMatrix> {
    let mut it = stages.iter();
    group_sizes(stages.len(), factors)
        .into_iter()
        .map(|size| {
            // Later stages multiply on the left.
            it.by_ref().take(size).fold(DiagMatrix::identity(period), |acc, s| s.mul(&acc))
        })
        .collect()
}

/// `log2` of a power of two.
pub(crate) fn log2(n: usize) -> usize {
    n.trailing_zeros() as usize
}

/// `v` in bit-reversed order.
pub(crate) fn bit_reversed<T: Copy>(v: &[T]) -> Vec<T> {
    let bits = v.len().trailing_zeros();
    (0..v.len()).map(|i| v[crate::math::ntt::bit_reverse(i, bits)]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition: `z_j = sum_k u_k w^(5^j k)`, `w = exp(2 pi i / 4n)`, in O(n^2).
    fn naive_decode(u: &[Complex64]) -> Vec<Complex64> {
        let n = u.len();
        let m = 4 * n;
        let mut g = 1usize;
        (0..n)
            .map(|_| {
                let z = u.iter().enumerate().fold(Complex64::default(), |acc, (k, &x)| {
                    let e = (g * k) % m;
                    acc + x * Complex64::from_polar(
                        1.0,
                        2.0 * std::f64::consts::PI * e as f64 / m as f64,
                    )
                });
                g = g * 5 % m;
                z
            })
            .collect()
    }

    fn random(n: usize, seed: u64) -> Vec<Complex64> {
        let mut p = crate::Prng::from_u64_seed(seed);
        let mut f = || (p.next_u64() >> 11) as f64 / (1u64 << 52) as f64 - 1.0;
        (0..n).map(|_| Complex64::new(f(), f())).collect()
    }

    fn close(a: &[Complex64], b: &[Complex64], tol: f64) {
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).norm() < tol, "{x} vs {y}");
        }
    }

    #[test]
    fn stages_decode_bit_reversed_coefficients_and_invert() {
        for log_n in 0..=7 {
            let n = 1 << log_n;
            let u = random(n, log_n as u64);
            let want = naive_decode(&u);
            for factors in 1..=log_n.max(1) + 1 {
                let stc = merge(&decoding_stages(n, n), n, factors);
                let cts = merge(&encoding_stages(n, n), n, factors);
                assert_eq!(stc.len(), factors);
                let z = stc.iter().fold(bit_reversed(&u), |v, f| f.apply(&v));
                close(&z, &want, 1e-9 * n as f64);
                let back = cts.iter().fold(z, |v, f| f.apply(&v));
                close(&back, &bit_reversed(&u), 1e-9 * n as f64);
            }
        }
    }

    #[test]
    fn the_definition_is_the_encoders() {
        let n = 32;
        let a: Vec<f64> = random(n, 4).iter().flat_map(|z| [z.re, z.im]).collect();
        let u: Vec<Complex64> = (0..n).map(|k| Complex64::new(a[k], a[k + n])).collect();
        let z = crate::Encoder::new(2 * n).coeffs_to_slots(&a);
        close(&z, &naive_decode(&u), 1e-9);
    }

    #[test]
    fn sparse_stages_act_on_each_copy() {
        let n = 16;
        let u = random(n, 9);
        let doubled: Vec<Complex64> = bit_reversed(&u).repeat(2);
        let stc = merge(&decoding_stages(n, 2 * n), 2 * n, 2);
        let z = stc.iter().fold(doubled, |v, f| f.apply(&v));
        close(&z, &naive_decode(&u).repeat(2), 1e-9);
    }

    #[test]
    fn merged_factors_have_the_expected_diagonals() {
        // r stages with strides 2^a .. 2^(a+r-1): 2^(r+1) - 1 diagonals, multiples of 2^a,
        // except that +n/2 and -n/2 coincide: 2^r for the factor holding the last stage.
        let n = 256;
        let f = merge(&encoding_stages(n, n), n, 2);
        assert_eq!(group_sizes(8, 3), vec![3, 3, 2]);
        assert_eq!(f[0].diags.len(), 16);
        assert!(f[0].diags.keys().all(|&k| k % 16 == 0));
        assert_eq!(f[1].diags.len(), 31);
        let sparse = merge(&encoding_stages(n, 2 * n), 2 * n, 2);
        assert_eq!(sparse[0].diags.len(), 31);
    }
}
