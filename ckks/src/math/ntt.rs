//! The negacyclic number-theoretic transform over `Z_q[X] / (X^N + 1)`.
//!
//! Definition: with `psi` a primitive `2N`-th root of unity mod `q`, the forward transform maps
//! coefficients `a_0..a_{N-1}` to the evaluations `A_k = a(psi^(2 brv(k) + 1))`, `k = 0..N-1`,
//! where `brv` reverses `log N` bits. Pointwise products of transforms are transforms of
//! negacyclic products. The butterflies are Harvey's lazy ones (values kept in `[0, 4q)` inside
//! the forward pass and `[0, 2q)` inside the inverse) with Shoup-precomputed twiddles, in the
//! Cooley-Tukey / Gentleman-Sande arrangement of Longa and Naehrig that needs no separate
//! bit-reversal pass.

use super::modulus::Modulus;
use super::primes::primitive_root_2n;
use super::simd::{self, NttKernel, Path, Twiddles};

/// Twiddle tables for one prime and one ring degree, built once and shared behind an `Arc`.
#[derive(Debug)]
pub struct NttTable {
    modulus: Modulus,
    n: usize,
    log_n: u32,
    psi: u64,
    /// `psi^brv(k)` and Shoup companions, `k = 0..N`.
    fwd: Vec<u64>,
    fwd_shoup: Vec<u64>,
    /// `psi^-brv(k)` and Shoup companions, `k = 0..N`.
    inv: Vec<u64>,
    inv_shoup: Vec<u64>,
    n_inv: u64,
    n_inv_shoup: u64,
    /// `n_inv * psi^-brv(1)`: the last inverse stage folds the `1/N` factor in.
    last_w: u64,
    last_w_shoup: u64,
    /// The vector kernel, when the path has one for this prime and degree.
    kernel: Option<NttKernel>,
}

/// Reverses the lowest `bits` bits of `x`.
#[inline]
pub fn bit_reverse(x: usize, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        x.reverse_bits() >> (usize::BITS - bits)
    }
}

impl NttTable {
    /// Builds the tables for degree `n` (a power of two, at least 2) and prime `q = 1 mod 2n`,
    /// with the vector kernel of the process's path ([`simd::path`]).
    ///
    /// # Panics
    /// If `n` is not a power of two or `q` is not `1 mod 2n`.
    pub fn new(modulus: Modulus, n: usize) -> Self {
        Self::with_path(modulus, n, simd::path())
    }

    /// [`NttTable::new`] with the kernel of `path`; the portable code when that path has no
    /// kernel for this prime width and degree or the CPU lacks it. Results are the same
    /// whatever the path: for tests and side-by-side benchmarks.
    ///
    /// # Panics
    /// As [`NttTable::new`].
    pub fn with_path(modulus: Modulus, n: usize, path: Path) -> Self {
        assert!(n.is_power_of_two() && n >= 2, "ring degree {n} is not a power of two >= 2");
        let log_n = n.trailing_zeros();
        let psi = primitive_root_2n(&modulus, n);
        let psi_inv = modulus.inv(psi).expect("root is invertible");
        let mut fwd = vec![0u64; n];
        let mut inv = vec![0u64; n];
        let (mut p, mut pi) = (1u64, 1u64);
        for k in 0..n {
            let r = bit_reverse(k, log_n);
            fwd[r] = p;
            inv[r] = pi;
            p = modulus.mul(p, psi);
            pi = modulus.mul(pi, psi_inv);
        }
        let fwd_shoup: Vec<u64> = fwd.iter().map(|&w| modulus.shoup(w)).collect();
        let inv_shoup: Vec<u64> = inv.iter().map(|&w| modulus.shoup(w)).collect();
        let n_inv = modulus.inv(n as u64).expect("q is odd");
        let last_w = modulus.mul(n_inv, inv[1]);
        let kernel = NttKernel::new(
            path,
            &Twiddles {
                modulus,
                fwd: &fwd,
                inv: &inv,
                fwd_shoup: &fwd_shoup,
                inv_shoup: &inv_shoup,
                n_inv,
                last_w,
            },
        );
        Self {
            modulus,
            n,
            log_n,
            psi,
            fwd,
            fwd_shoup,
            inv,
            inv_shoup,
            n_inv,
            n_inv_shoup: modulus.shoup(n_inv),
            last_w,
            last_w_shoup: modulus.shoup(last_w),
            kernel,
        }
    }

    /// Whether this table runs a vector kernel.
    pub fn uses_simd(&self) -> bool {
        self.kernel.is_some()
    }

    /// The name of the kernel that runs: `portable`, `avx2-f64`, `avx2-u64`, `ifma` or `avx512-u64`.
    pub fn kernel_name(&self) -> &'static str {
        self.kernel.as_ref().map_or("portable", NttKernel::name)
    }

    /// The prime of this table.
    #[inline]
    pub fn modulus(&self) -> &Modulus {
        &self.modulus
    }

    /// The ring degree `N`.
    #[inline]
    pub fn n(&self) -> usize {
        self.n
    }

    /// The primitive `2N`-th root `psi` the transform evaluates at.
    pub fn psi(&self) -> u64 {
        self.psi
    }

    /// In-place forward transform. Input entries must be `< q`; output entries are `< q`.
    ///
    /// # Panics
    /// If `a.len() != N`.
    pub fn forward(&self, a: &mut [u64]) {
        assert_eq!(a.len(), self.n);
        match &self.kernel {
            Some(k) => k.forward(a),
            None => self.forward_scalar(a),
        }
    }

    /// `out` = the forward transform of the centred lift of `src` from `Z_from` (`x` or
    /// `x - from` if `x > from / 2`; `from` odd, below `2^61`): the mod-up of a single-prime
    /// digit, or a rescale, in one pass less where the kernel fuses the lift into its first pass.
    /// Entries of `src` must be below `from`.
    ///
    /// # Panics
    /// If `src` or `out` is not `N` long, or `from` is even or not below `2^61`.
    pub fn forward_lifted(&self, src: &[u64], from: u64, out: &mut [u64]) {
        assert!(src.len() == self.n && out.len() == self.n);
        assert!(from & 1 == 1 && from < 1 << 61, "{from} is not an odd number below 2^61");
        debug_assert!(src.iter().all(|&x| x < from));
        if self.kernel.as_ref().is_some_and(|k| k.forward_lifted(src, out, from)) {
            return;
        }
        simd::centred_lift(src, out, from, &self.modulus);
        self.forward(out);
    }

    /// The portable forward transform (the reference for the vector kernel).
    ///
    /// # Panics
    /// If `a.len() != N`.
    pub fn forward_scalar(&self, a: &mut [u64]) {
        assert_eq!(a.len(), self.n);
        let q = self.modulus.value();
        let two_q = 2 * q;
        let mut t = self.n;
        let mut m = 1;
        while m < self.n {
            t >>= 1;
            let tw = self.fwd[m..2 * m].iter().zip(&self.fwd_shoup[m..2 * m]);
            if t == 1 {
                for (pair, (&w, &ws)) in a.chunks_exact_mut(2).zip(tw) {
                    let u = pair[0].min(pair[0].wrapping_sub(two_q));
                    let v = self.modulus.mul_shoup_lazy(pair[1], w, ws);
                    pair[0] = u + v;
                    pair[1] = u + two_q - v;
                }
            } else {
                for (block, (&w, &ws)) in a.chunks_exact_mut(2 * t).zip(tw) {
                    let (lo, hi) = block.split_at_mut(t);
                    for (x, y) in lo.iter_mut().zip(hi.iter_mut()) {
                        let u = (*x).min((*x).wrapping_sub(two_q));
                        let v = self.modulus.mul_shoup_lazy(*y, w, ws);
                        *x = u + v;
                        *y = u + two_q - v;
                    }
                }
            }
            m <<= 1;
        }
        for x in a.iter_mut() {
            let v = (*x).min((*x).wrapping_sub(two_q));
            *x = v.min(v.wrapping_sub(q));
        }
    }

    /// In-place inverse transform (including the `1/N` factor). Entries in and out are `< q`.
    ///
    /// # Panics
    /// If `a.len() != N`.
    pub fn inverse(&self, a: &mut [u64]) {
        assert_eq!(a.len(), self.n);
        match &self.kernel {
            Some(k) => k.inverse(a),
            None => self.inverse_scalar(a),
        }
    }

    /// The portable inverse transform (the reference for the vector kernel).
    ///
    /// # Panics
    /// If `a.len() != N`.
    pub fn inverse_scalar(&self, a: &mut [u64]) {
        assert_eq!(a.len(), self.n);
        let q = self.modulus.value();
        let two_q = 2 * q;
        let mut t = 1;
        let mut m = self.n >> 1;
        while m > 1 {
            let tw = self.inv[m..2 * m].iter().zip(&self.inv_shoup[m..2 * m]);
            for (block, (&w, &ws)) in a.chunks_exact_mut(2 * t).zip(tw) {
                let (lo, hi) = block.split_at_mut(t);
                for (x, y) in lo.iter_mut().zip(hi.iter_mut()) {
                    let (u, v) = (*x, *y);
                    let s = u + v;
                    *x = s.min(s.wrapping_sub(two_q));
                    *y = self.modulus.mul_shoup_lazy(u + two_q - v, w, ws);
                }
            }
            t <<= 1;
            m >>= 1;
        }
        // Last stage with the 1/N factor folded in.
        let (lo, hi) = a.split_at_mut(self.n >> 1);
        for (x, y) in lo.iter_mut().zip(hi.iter_mut()) {
            let (u, v) = (*x, *y);
            let s = u + v; // < 4q
            *x = self.modulus.mul_shoup(s, self.n_inv, self.n_inv_shoup);
            *y = self.modulus.mul_shoup(u + two_q - v, self.last_w, self.last_w_shoup);
        }
    }

    /// The inverse transform applied to `log_n == 0` is the identity; exposed for completeness.
    pub fn log_n(&self) -> u32 {
        self.log_n
    }
}

/// Negacyclic convolution by the schoolbook method, `O(N^2)`: the reference for tests.
pub fn naive_negacyclic_mul(a: &[u64], b: &[u64], q: &Modulus) -> Vec<u64> {
    let n = a.len();
    let mut c = vec![0u64; n];
    for (i, &ai) in a.iter().enumerate() {
        for (j, &bj) in b.iter().enumerate() {
            let p = q.mul(ai, bj);
            let k = i + j;
            if k < n {
                c[k] = q.add(c[k], p);
            } else {
                c[k - n] = q.sub(c[k - n], p);
            }
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::primes::largest_ntt_prime;
    use rand_chacha::ChaCha20Rng;
    use rand_core::{RngCore, SeedableRng};

    fn table(bits: u32, n: usize) -> NttTable {
        let q = largest_ntt_prime(bits, 2 * n as u64, &[]).unwrap();
        NttTable::new(Modulus::new(q), n)
    }

    fn random_poly(rng: &mut ChaCha20Rng, q: u64, n: usize) -> Vec<u64> {
        (0..n).map(|_| rng.next_u64() % q).collect()
    }

    #[test]
    fn ntt_matches_naive_negacyclic_convolution() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        for &(log_n, bits) in
            &[(1u32, 20u32), (2, 30), (4, 40), (6, 50), (8, 60), (10, 61), (9, 36)]
        {
            let n = 1usize << log_n;
            let t = table(bits, n);
            let q = *t.modulus();
            for _ in 0..3 {
                let a = random_poly(&mut rng, q.value(), n);
                let b = random_poly(&mut rng, q.value(), n);
                let expected = naive_negacyclic_mul(&a, &b, &q);
                let (mut fa, mut fb) = (a.clone(), b.clone());
                t.forward(&mut fa);
                t.forward(&mut fb);
                let mut fc: Vec<u64> = fa.iter().zip(&fb).map(|(&x, &y)| q.mul(x, y)).collect();
                t.inverse(&mut fc);
                assert_eq!(fc, expected, "N = 2^{log_n}, {bits}-bit prime");
            }
        }
    }

    #[test]
    fn ntt_is_evaluation_at_odd_powers_of_psi() {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let n = 64;
        let t = table(45, n);
        let q = *t.modulus();
        let a = random_poly(&mut rng, q.value(), n);
        let mut fa = a.clone();
        t.forward(&mut fa);
        for (k, &fk) in fa.iter().enumerate() {
            let x = q.pow(t.psi(), 2 * bit_reverse(k, 6) as u64 + 1);
            let mut acc = 0;
            for &c in a.iter().rev() {
                acc = q.mul_add(acc, x, c);
            }
            assert_eq!(fk, acc);
        }
    }

    #[test]
    fn inverse_undoes_forward_at_large_n() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        for log_n in [12u32, 14, 16] {
            let n = 1 << log_n;
            let t = table(60, n);
            let a = random_poly(&mut rng, t.modulus().value(), n);
            let mut b = a.clone();
            t.forward(&mut b);
            assert_ne!(a, b);
            t.inverse(&mut b);
            assert_eq!(a, b);
        }
    }
}
