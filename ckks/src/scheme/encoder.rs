//! The canonical embedding: `N/2` complex slots <-> real polynomials of degree `< N`.
//!
//! Definition: with `zeta = exp(i pi / N)` a primitive `2N`-th root of unity, slot `j` of a real
//! polynomial `m` is `m(zeta^(5^j mod 2N))`, `j = 0 .. N/2 - 1`. The other `N/2` roots are the
//! conjugates, so `m` is fixed by the slots. Encoding computes the inverse of this map with the
//! "special FFT" (`O(N log N)`), scales by `Delta` and rounds; decoding evaluates it.
//! With this slot order, `X -> X^(5^k)` rotates the slots left by `k` and `X -> X^-1`
//! conjugates them.

use num_complex::Complex64;

/// Precomputed roots and the rotation group for one ring degree.
#[derive(Clone, Debug)]
pub struct Encoder {
    n: usize,
    slots: usize,
    /// `5^j mod 2N`, `j = 0 .. N/2`.
    rot_group: Vec<usize>,
    /// `exp(2 pi i k / 2N)`, `k = 0 .. 2N`.
    roots: Vec<Complex64>,
}

impl Encoder {
    /// Tables for ring degree `n` (a power of two, at least 4).
    ///
    /// # Panics
    /// If `n` is not a power of two of at least 4.
    pub fn new(n: usize) -> Self {
        assert!(n.is_power_of_two() && n >= 4);
        let m = 2 * n;
        let slots = n / 2;
        let mut rot_group = Vec::with_capacity(slots);
        let mut g = 1usize;
        for _ in 0..slots {
            rot_group.push(g);
            g = (g * 5) % m;
        }
        let roots = (0..=m)
            .map(|k| {
                let a = 2.0 * std::f64::consts::PI * k as f64 / m as f64;
                Complex64::new(a.cos(), a.sin())
            })
            .collect();
        Self { n, slots, rot_group, roots }
    }

    /// The number of slots, `N / 2`.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// The Galois element `5^k mod 2N` that rotates slots left by `k`.
    pub fn rotation_galois_element(&self, k: usize) -> usize {
        self.rot_group[k % self.slots]
    }

    /// Real coefficients (unscaled, unrounded) of the polynomial whose slots are `values`
    /// (zero padded to `N/2`).
    ///
    /// # Panics
    /// If more than `N/2` values are given.
    pub fn slots_to_coeffs(&self, values: &[Complex64]) -> Vec<f64> {
        assert!(values.len() <= self.slots);
        let mut v = vec![Complex64::new(0.0, 0.0); self.slots];
        v[..values.len()].copy_from_slice(values);
        self.special_fft_inv(&mut v);
        let mut coeffs = vec![0.0; self.n];
        for (i, z) in v.iter().enumerate() {
            coeffs[i] = z.re;
            coeffs[i + self.slots] = z.im;
        }
        coeffs
    }

    /// The slots of the real polynomial with coefficients `coeffs` (length `N`).
    ///
    /// # Panics
    /// If `coeffs.len() != N`.
    pub fn coeffs_to_slots(&self, coeffs: &[f64]) -> Vec<Complex64> {
        assert_eq!(coeffs.len(), self.n);
        let mut v: Vec<Complex64> =
            (0..self.slots).map(|i| Complex64::new(coeffs[i], coeffs[i + self.slots])).collect();
        self.special_fft(&mut v);
        v
    }

    fn bit_reverse_in_place(v: &mut [Complex64]) {
        let bits = v.len().trailing_zeros();
        for i in 0..v.len() {
            let j = crate::math::ntt::bit_reverse(i, bits);
            if i < j {
                v.swap(i, j);
            }
        }
    }

    /// Evaluation at `zeta^(5^j)`, given `u_i = m_i + i m_{i + N/2}`.
    fn special_fft(&self, v: &mut [Complex64]) {
        let size = v.len();
        let m = 2 * self.n;
        Self::bit_reverse_in_place(v);
        let mut len = 2;
        while len <= size {
            let lenh = len >> 1;
            let lenq = len << 2;
            let step = m / lenq;
            for i in (0..size).step_by(len) {
                for j in 0..lenh {
                    let idx = (self.rot_group[j] % lenq) * step;
                    let u = v[i + j];
                    let t = v[i + j + lenh] * self.roots[idx];
                    v[i + j] = u + t;
                    v[i + j + lenh] = u - t;
                }
            }
            len <<= 1;
        }
    }

    /// The inverse of [`Self::special_fft`].
    fn special_fft_inv(&self, v: &mut [Complex64]) {
        let size = v.len();
        let m = 2 * self.n;
        let mut len = size;
        while len >= 2 {
            let lenh = len >> 1;
            let lenq = len << 2;
            let step = m / lenq;
            for i in (0..size).step_by(len) {
                for j in 0..lenh {
                    let idx = (lenq - (self.rot_group[j] % lenq)) * step;
                    let u = v[i + j] + v[i + j + lenh];
                    let t = (v[i + j] - v[i + j + lenh]) * self.roots[idx];
                    v[i + j] = u;
                    v[i + j + lenh] = t;
                }
            }
            len >>= 1;
        }
        Self::bit_reverse_in_place(v);
        let inv = 1.0 / size as f64;
        for z in v.iter_mut() {
            *z *= inv;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::{RngCore, SeedableRng};

    fn uniform(rng: &mut ChaCha20Rng) -> f64 {
        (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }

    /// The definition, evaluated naively in O(N^2).
    fn naive_slots(coeffs: &[f64]) -> Vec<Complex64> {
        let n = coeffs.len();
        let m = 2 * n;
        let mut g = 1usize;
        let mut out = Vec::new();
        for _ in 0..n / 2 {
            let mut acc = Complex64::new(0.0, 0.0);
            for (k, &c) in coeffs.iter().enumerate() {
                let a = std::f64::consts::PI * ((g * k) % m) as f64 / n as f64;
                acc += Complex64::new(a.cos(), a.sin()) * c;
            }
            out.push(acc);
            g = (g * 5) % m;
        }
        out
    }

    #[test]
    fn special_fft_matches_naive_embedding() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        for log_n in [2u32, 3, 5, 8, 10] {
            let n = 1 << log_n;
            let enc = Encoder::new(n);
            let coeffs: Vec<f64> = (0..n).map(|_| uniform(&mut rng)).collect();
            let fast = enc.coeffs_to_slots(&coeffs);
            let naive = naive_slots(&coeffs);
            for (a, b) in fast.iter().zip(&naive) {
                assert!((a - b).norm() < 1e-9 * n as f64, "N = {n}: {a} vs {b}");
            }
            let z: Vec<Complex64> =
                (0..n / 2).map(|_| Complex64::new(uniform(&mut rng), uniform(&mut rng))).collect();
            let back = enc.coeffs_to_slots(&enc.slots_to_coeffs(&z));
            for (a, b) in back.iter().zip(&z) {
                assert!((a - b).norm() < 1e-12 * n as f64);
            }
        }
    }

    #[test]
    fn galois_element_five_rotates_left() {
        let n = 32;
        let enc = Encoder::new(n);
        let z: Vec<Complex64> = (0..n / 2).map(|i| Complex64::new(i as f64, -(i as f64))).collect();
        let c = enc.slots_to_coeffs(&z);
        // m(X^5): coefficient k moves to 5k mod 2N with a sign.
        let mut rot = vec![0.0; n];
        for (k, &ck) in c.iter().enumerate() {
            let j = (5 * k) % (2 * n);
            if j < n {
                rot[j] += ck;
            } else {
                rot[j - n] -= ck;
            }
        }
        let out = enc.coeffs_to_slots(&rot);
        for j in 0..n / 2 {
            assert!((out[j] - z[(j + 1) % (n / 2)]).norm() < 1e-9);
        }
    }
}
