//! Residue number system tools: exact CRT reconstruction (num-bigint) and fast base conversion.

use super::modulus::Modulus;
use num_bigint::{BigInt, BigUint};
use num_traits::{One, ToPrimitive, Zero};
use rayon::prelude::*;

/// Exact reconstruction of `x mod Q`, `Q = q_0 ... q_{k-1}`, from its residues.
///
/// Definition: `x = sum_i [x_i * (Q/q_i)^-1]_{q_i} * (Q/q_i) mod Q`.
#[derive(Clone, Debug)]
pub struct Crt {
    moduli: Vec<Modulus>,
    product: BigUint,
    half: BigUint,
    q_hat: Vec<BigUint>,
    q_hat_inv: Vec<u64>,
}

impl Crt {
    /// Precomputes the constants for pairwise coprime `moduli`.
    ///
    /// # Panics
    /// If the moduli are not pairwise coprime.
    pub fn new(moduli: &[Modulus]) -> Self {
        let product = moduli.iter().fold(BigUint::one(), |acc, q| acc * q.value());
        let mut q_hat = Vec::with_capacity(moduli.len());
        let mut q_hat_inv = Vec::with_capacity(moduli.len());
        for q in moduli {
            let h = &product / q.value();
            let h_mod = (&h % q.value()).to_u64().expect("residue fits a word");
            q_hat_inv.push(q.inv(h_mod).expect("moduli are pairwise coprime"));
            q_hat.push(h);
        }
        let half = &product >> 1;
        Self { moduli: moduli.to_vec(), product, half, q_hat, q_hat_inv }
    }

    /// `Q`.
    pub fn product(&self) -> &BigUint {
        &self.product
    }

    /// The representative of the residues in `[0, Q)`.
    pub fn reconstruct(&self, residues: &[u64]) -> BigUint {
        assert_eq!(residues.len(), self.moduli.len());
        let mut acc = BigUint::zero();
        for (((r, q), h), &hi) in
            residues.iter().zip(&self.moduli).zip(&self.q_hat).zip(&self.q_hat_inv)
        {
            acc += h * q.mul(*r, hi);
        }
        acc % &self.product
    }

    /// The representative of the residues in `(-Q/2, Q/2]`.
    pub fn reconstruct_centered(&self, residues: &[u64]) -> BigInt {
        let x = self.reconstruct(residues);
        if x > self.half {
            BigInt::from(x) - BigInt::from(self.product.clone())
        } else {
            BigInt::from(x)
        }
    }
}

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
}

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
        let a_hat_mod_b = to
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
        let a_mod_b =
            to.iter().map(|bj| from.iter().fold(1u64, |acc, a| bj.mul(acc, a.value()))).collect();
        Self { from: from.to_vec(), to: to.to_vec(), a_hat_inv, a_hat_mod_b, a_mod_b }
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
        assert_eq!(input.len(), self.from.len() * n);
        assert!(output.len() % n == 0 && output.len() <= self.to.len() * n);
        // y_i = x_i * (A/a_i)^-1 mod a_i, and v = round(sum_i y_i / a_i).
        let mut y = input.to_vec();
        let mut frac = vec![0f64; n];
        for ((l, a), &(w, ws)) in y.chunks_mut(n).zip(&self.from).zip(&self.a_hat_inv) {
            let inv_a = 1.0 / a.value() as f64;
            for (x, f) in l.iter_mut().zip(frac.iter_mut()) {
                *x = a.mul_shoup(*x, w, ws);
                *f += *x as f64 * inv_a;
            }
        }
        let v: Vec<u64> = frac.iter().map(|f| f.round() as u64).collect();
        let body = |(out, ((bj, m), &a_mod_b)): (&mut [u64], ((&Modulus, &Vec<u64>), &u64))| {
            const CHUNK: usize = 64;
            let neg_a = bj.neg(a_mod_b);
            let mut acc = [0u128; CHUNK];
            for c0 in (0..n).step_by(CHUNK) {
                let len = CHUNK.min(n - c0);
                for (a, &vc) in acc[..len].iter_mut().zip(&v[c0..c0 + len]) {
                    *a = vc as u128 * neg_a as u128;
                }
                for (i, &mi) in m.iter().enumerate() {
                    let yi = &y[i * n + c0..i * n + c0 + len];
                    for (a, &val) in acc[..len].iter_mut().zip(yi) {
                        *a += val as u128 * mi as u128;
                    }
                }
                for (o, &a) in out[c0..c0 + len].iter_mut().zip(&acc[..len]) {
                    *o = bj.reduce_u128(a);
                }
            }
        };
        if output.len() >= 1 << 14 && self.to.len() > 1 {
            output
                .par_chunks_mut(n)
                .zip(
                    self.to
                        .par_iter()
                        .zip(self.a_hat_mod_b.par_iter())
                        .zip(self.a_mod_b.par_iter()),
                )
                .for_each(body);
        } else {
            output
                .chunks_mut(n)
                .zip(self.to.iter().zip(self.a_hat_mod_b.iter()).zip(self.a_mod_b.iter()))
                .for_each(body);
        }
    }
}

/// `x` as the nearest `f64` (exact big-integer input, one rounding).
pub fn bigint_to_f64(x: &BigInt) -> f64 {
    x.to_f64().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::primes::largest_ntt_prime;
    use proptest::prelude::*;

    fn primes(bits: &[u32]) -> Vec<Modulus> {
        let mut ps: Vec<u64> = Vec::new();
        for &b in bits {
            ps.push(largest_ntt_prime(b, 1 << 11, &ps).unwrap());
        }
        ps.into_iter().map(Modulus::new).collect()
    }

    proptest! {
        #[test]
        fn crt_matches_bigint(words in proptest::collection::vec(any::<u64>(), 4)) {
            let ms = primes(&[60, 50, 40, 61]);
            let crt = Crt::new(&ms);
            let x = words.iter().fold(BigUint::zero(), |acc, &w| (acc << 64) + w) % crt.product();
            let residues: Vec<u64> = ms.iter().map(|q| (&x % q.value()).to_u64().unwrap()).collect();
            prop_assert_eq!(crt.reconstruct(&residues), x.clone());
            let c = crt.reconstruct_centered(&residues);
            let half = BigInt::from(crt.product().clone()) / 2;
            prop_assert!(c <= half && c > -half);
            prop_assert_eq!((c + BigInt::from(crt.product().clone())) % BigInt::from(crt.product().clone()), BigInt::from(x));
        }

        #[test]
        fn base_conversion_gives_the_centred_lift(words in proptest::collection::vec(any::<u64>(), 3 * 8)) {
            let all = primes(&[50, 50, 50, 61, 55]);
            let (a, b) = all.split_at(3);
            let n = 8;
            let crt_a = Crt::new(a);
            let mut input = vec![0u64; 3 * n];
            let mut xs = Vec::new();
            for c in 0..n {
                let x = (0..3).fold(BigUint::zero(), |acc, k| (acc << 64) + words[c * 3 + k]) % crt_a.product();
                for (i, q) in a.iter().enumerate() {
                    input[i * n + c] = (&x % q.value()).to_u64().unwrap();
                }
                xs.push(x);
            }
            let conv = BaseConverter::new(a, b);
            let mut out = vec![0u64; 2 * n];
            conv.convert(&input, &mut out, n);
            for (c, x) in xs.iter().enumerate() {
                // out is the centred representative of x mod A.
                let xc = if x > &(crt_a.product() >> 1) {
                    BigInt::from(x.clone()) - BigInt::from(crt_a.product().clone())
                } else {
                    BigInt::from(x.clone())
                };
                for (j, q) in b.iter().enumerate() {
                    let r = xc.clone() % BigInt::from(q.value());
                    let r = if r < BigInt::zero() { r + BigInt::from(q.value()) } else { r };
                    prop_assert_eq!(r, BigInt::from(out[j * n + c]));
                }
            }
        }
    }
}
