//! Residue number system tools: exact CRT reconstruction (num-bigint, [`Crt`]), fast base
//! conversion ([`BaseConverter`]) and exact scaled integers reduced to residues.

mod convert;
mod crt;
mod scaled;

pub use convert::{centred_lift, BaseConverter, Prepared};
pub use crt::{bigint_to_f64, Crt};
pub(crate) use scaled::{Overflow, ScaledInt};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::modulus::Modulus;
    use crate::math::primes::largest_ntt_prime;
    use num_bigint::{BigInt, BigUint};
    use num_traits::{One, ToPrimitive, Zero};
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
        fn crt_matches_bigint(words in proptest::collection::vec(any::<u64>(), 4), small: i64) {
            let ms = primes(&[60, 50, 40, 61]);
            let crt = Crt::new(&ms);
            // Also small centred values, the common case when decoding.
            let x = if words[0] % 2 == 0 {
                words.iter().fold(BigUint::zero(), |acc, &w| (acc << 64) + w) % crt.product()
            } else {
                let v = BigInt::from(small) * BigInt::from(words[1] >> 20);
                let p = BigInt::from(crt.product().clone());
                (((v % &p) + &p) % &p).to_biguint().unwrap()
            };
            let residues: Vec<u64> = ms.iter().map(|q| (&x % q.value()).to_u64().unwrap()).collect();
            prop_assert_eq!(crt.reconstruct(&residues), x.clone());
            let c = crt.reconstruct_centered(&residues);
            let half = BigInt::from(crt.product().clone()) / 2;
            prop_assert!(c <= half && c > -half);
            let f = crt.reconstruct_centered_f64(&residues);
            let exact = bigint_to_f64(&c);
            prop_assert!((f - exact).abs() <= exact.abs() * 2f64.powi(-52), "{} vs {}", f, exact);
            prop_assert_eq!((c + BigInt::from(crt.product().clone())) % BigInt::from(crt.product().clone()), BigInt::from(x));
        }

        #[test]
        fn single_prime_conversion_gives_the_centred_lift(xs in proptest::collection::vec(any::<u64>(), 8)) {
            let all = primes(&[40, 60, 50, 39, 40, 25]);
            let (a, b) = all.split_at(1);
            let n = 8;
            let input: Vec<u64> = xs.iter().map(|x| x % a[0].value()).collect();
            let mut out = vec![0u64; b.len() * n];
            BaseConverter::new(a, b).convert(&input, &mut out, n);
            for (c, &x) in input.iter().enumerate() {
                let centred = a[0].center(x) as i128;
                for (j, q) in b.iter().enumerate() {
                    prop_assert_eq!(out[j * n + c] as i128, centred.rem_euclid(q.value() as i128));
                }
            }
        }

        /// Near `A/2` the centred lift may land on either neighbour (the estimate of `v` rounds a
        /// sum whose fractional part is within `2^-40` of one half); elsewhere at the edges
        /// (0, 1, `A - 1`) it is exact. Either way every target holds the same integer.
        #[test]
        fn base_conversion_near_half_of_a(offsets in proptest::collection::vec(-(1i64 << 20)..(1i64 << 20), 8)) {
            let all = primes(&[50, 50, 61, 50, 61, 40]);
            let (a, b) = all.split_at(3);
            let n = 8;
            let big_a = Crt::new(a).product().clone();
            let half = BigInt::from(big_a.clone() >> 1);
            let big_a = BigInt::from(big_a);
            let xs: Vec<BigInt> = offsets.iter().enumerate().map(|(c, &d)| match c {
                0 => BigInt::zero(),
                1 => BigInt::one(),
                2 => &big_a - 1,
                3 => half.clone(),
                4 => &half + 1,
                _ => &half + d,
            }).collect();
            let mut input = vec![0u64; 3 * n];
            for (c, x) in xs.iter().enumerate() {
                for (i, q) in a.iter().enumerate() {
                    input[i * n + c] = (x % q.value()).to_u64().unwrap();
                }
            }
            let mut out = vec![0u64; b.len() * n];
            BaseConverter::new(a, b).convert(&input, &mut out, n);
            let residue = |v: &BigInt, q: &Modulus| {
                let r = v % BigInt::from(q.value());
                (if r < BigInt::zero() { r + q.value() } else { r }).to_u64().unwrap()
            };
            for (c, x) in xs.iter().enumerate() {
                let reps: Vec<BigInt> = if c < 3 {
                    // Far from A/2: exactly the centred representative.
                    vec![if x > &half { x - &big_a } else { x.clone() }]
                } else {
                    vec![x.clone(), x - &big_a]
                };
                let hit = reps.iter().any(|r| b.iter().enumerate().all(|(j, q)| out[j * n + c] == residue(r, q)));
                prop_assert!(hit, "coefficient {} = A/2 + {}: no single representative", c, x - &half);
            }
        }

        #[test]
        fn base_conversion_gives_the_centred_lift(words in proptest::collection::vec(any::<u64>(), 3 * 8)) {
            // Targets both wider and narrower than the vector sums take (51 bits), sources too.
            let all = primes(&[50, 61, 50, 61, 55, 45, 30]);
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
            let mut out = vec![0u64; b.len() * n];
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

        /// The steps of a prepared conversion run apart (each limb scaled on its own, the
        /// quotients in two pieces cut anywhere) give the bits of `convert`.
        #[test]
        fn prepared_in_pieces_equals_convert(words in proptest::collection::vec(any::<u64>(), 3 * 16), cut in 0usize..=16) {
            let all = primes(&[50, 61, 50, 61, 55, 45, 30]);
            let (a, b) = all.split_at(3);
            let n = 16;
            let input: Vec<u64> = words.iter().enumerate().map(|(i, w)| w % a[i / n].value()).collect();
            let conv = BaseConverter::new(a, b);
            let mut expect = vec![0u64; b.len() * n];
            conv.convert(&input, &mut expect, n);
            let mut y = input.clone();
            for (i, l) in y.chunks_mut(n).enumerate() {
                conv.scale_source(i, l);
            }
            let mut v = vec![0u64; n];
            let (v0, v1) = v.split_at_mut(cut);
            conv.quotients(&y, n, 0, v0);
            conv.quotients(&y, n, cut, v1);
            let prep = conv.prepared(&y, &v, n);
            let mut got = vec![0u64; b.len() * n];
            for (j, o) in got.chunks_mut(n).enumerate() {
                conv.finish(&prep, j, o);
            }
            prop_assert_eq!(got, expect);
        }
    }
}
