//! Randomness: a ChaCha20 CSPRNG seeded by the operating system, and the distributions CKKS
//! samples from (uniform ternary, bounded discrete Gaussian, uniform modulo each prime).

use super::poly::{Basis, Eval, RnsPoly};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng, TryRngCore};
use zeroize::Zeroize;

/// Standard deviation of the error distribution (the HE standard's value).
pub const ERROR_SIGMA: f64 = 3.2;
/// Errors are cut at `ceil(6 sigma)`.
pub const ERROR_BOUND: i64 = 20;

/// A ChaCha20 stream. [`Prng::from_os_entropy`] is the default; [`Prng::from_seed`] exists for
/// reproducible tests and for expanding a stored seed into the uniform half of a ciphertext or
/// key (seeded compression).
pub struct Prng {
    rng: ChaCha20Rng,
}

impl std::fmt::Debug for Prng {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Prng(ChaCha20, state hidden)")
    }
}

impl Prng {
    /// A generator seeded from the operating system's entropy source.
    ///
    /// # Panics
    /// If the operating system cannot provide entropy (there is no safe fallback).
    pub fn from_os_entropy() -> Self {
        let mut seed = [0u8; 32];
        rand_core::OsRng
            .try_fill_bytes(&mut seed)
            .expect("the operating system's entropy source failed");
        let p = Self::from_seed(seed);
        seed.zeroize();
        p
    }

    /// A deterministic generator. Use only for reproducible tests or to re-expand a public seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self { rng: ChaCha20Rng::from_seed(seed) }
    }

    /// A deterministic generator from a small integer seed, for tests.
    pub fn from_u64_seed(seed: u64) -> Self {
        Self { rng: ChaCha20Rng::seed_from_u64(seed) }
    }

    /// A fresh 32-byte seed drawn from this stream.
    pub fn seed(&mut self) -> [u8; 32] {
        let mut s = [0u8; 32];
        self.rng.fill_bytes(&mut s);
        s
    }

    /// An independent child stream, derived deterministically from this one.
    pub fn fork(&mut self) -> Self {
        let mut s = self.seed();
        let child = Self::from_seed(s);
        s.zeroize();
        child
    }

    /// A uniform 64-bit word.
    pub fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A uniform integer in `[0, bound)` (rejection sampling, no modulo bias).
    ///
    /// # Panics
    /// If `bound == 0`.
    pub fn uniform_below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0);
        let mask = u64::MAX >> (bound - 1).leading_zeros().min(63);
        loop {
            let r = self.rng.next_u64() & mask;
            if r < bound {
                return r;
            }
        }
    }

    /// `n` coefficients uniform in `{-1, 0, 1}`.
    pub fn ternary(&mut self, n: usize) -> Vec<i64> {
        (0..n).map(|_| self.uniform_below(3) as i64 - 1).collect()
    }

    /// `n` samples of the discrete Gaussian of standard deviation [`ERROR_SIGMA`], cut at
    /// `|e| <= ERROR_BOUND` (inversion of a cumulative table; not constant time).
    pub fn gaussian(&mut self, n: usize) -> Vec<i64> {
        let cdt = gaussian_cdt();
        (0..n)
            .map(|_| {
                let r = self.rng.next_u64();
                let idx = cdt.partition_point(|&c| c <= r);
                idx.min(cdt.len() - 1) as i64 - ERROR_BOUND
            })
            .collect()
    }

    /// A polynomial uniform modulo every prime of `basis`. Uniform in coefficient form is
    /// uniform in evaluation form, so it is sampled directly there.
    pub fn uniform_poly(&mut self, n: usize, basis: &Basis) -> RnsPoly<Eval> {
        let mut p = RnsPoly::zero(n, basis.len());
        for (l, t) in p.data_mut().chunks_mut(n).zip(basis) {
            let q = t.modulus().value();
            for x in l {
                *x = self.uniform_below(q);
            }
        }
        p
    }
}

/// Cumulative distribution of the bounded discrete Gaussian on `[-B, B]`, scaled to `2^64`:
/// `cdt[k]` is the probability of `e <= k - B`, times `2^64`.
fn gaussian_cdt() -> &'static [u64] {
    use std::sync::OnceLock;
    static CDT: OnceLock<Vec<u64>> = OnceLock::new();
    CDT.get_or_init(|| {
        let weights: Vec<f64> = (-ERROR_BOUND..=ERROR_BOUND)
            .map(|k| (-(k * k) as f64 / (2.0 * ERROR_SIGMA * ERROR_SIGMA)).exp())
            .collect();
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        weights
            .iter()
            .map(|w| {
                acc += w / total;
                if acc >= 1.0 {
                    u64::MAX
                } else {
                    (acc * 18446744073709551616.0) as u64
                }
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ternary_and_gaussian_have_the_right_shape() {
        let mut p = Prng::from_u64_seed(3);
        let t = p.ternary(30000);
        assert!(t.iter().all(|&x| (-1..=1).contains(&x)));
        for v in -1..=1 {
            let c = t.iter().filter(|&&x| x == v).count();
            assert!((9000..11000).contains(&c), "value {v} drawn {c} times");
        }
        let g = p.gaussian(100000);
        assert!(g.iter().all(|&x| x.abs() <= ERROR_BOUND));
        let mean = g.iter().sum::<i64>() as f64 / g.len() as f64;
        let var = g.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / g.len() as f64;
        assert!(mean.abs() < 0.05, "mean {mean}");
        assert!((var.sqrt() - ERROR_SIGMA).abs() < 0.05, "sigma {}", var.sqrt());
    }

    #[test]
    fn seeded_streams_repeat_and_os_streams_differ() {
        let mut a = Prng::from_u64_seed(5);
        let mut b = Prng::from_u64_seed(5);
        assert_eq!(a.next_u64(), b.next_u64());
        let mut c = Prng::from_os_entropy();
        let mut d = Prng::from_os_entropy();
        assert_ne!(c.seed(), d.seed());
    }

    #[test]
    fn uniform_below_covers_the_range() {
        let mut p = Prng::from_u64_seed(11);
        let mut seen = [0usize; 7];
        for _ in 0..7000 {
            seen[p.uniform_below(7) as usize] += 1;
        }
        assert!(seen.iter().all(|&c| c > 800));
    }
}
