//! The modulus chain of a parameter set, without NTT tables: the ring degree, the primes and the
//! nominal scale of every level. It is all an evaluator needs to apply the scheme's level and
//! scale rules ([`super::rules`]), so the encrypted evaluator and every simulated one (plaintext,
//! depth finder, op counter, ...) agree on scales bit for bit.

use super::params::ParametersLiteral;
use crate::error::{CkksError, ParameterFault, PrimeRole, Result};
use crate::math::modulus::MAX_MODULUS_BITS;
use crate::math::primes::{largest_ntt_prime, nearest_ntt_prime};
use crate::rlwe::galois;

/// Primes and nominal scales of one parameter set.
///
/// Level `l` uses `Q_l = q_0 q_1 ... q_l`. The nominal scales satisfy `s_C = 2^log_scale` at the
/// top circuit level `C` and `s_{l-1} = s_l^2 / q_l` at every level, so a product of two values
/// at nominal scale `s_l`, rescaled by `q_l`, lands exactly on `s_{l-1}`. Without bootstrapping
/// primes `C = L`; with them (see [`ParametersLiteral::bootstrap_prime_bits`]) the levels above
/// `C` take `s_l = sqrt(s_{l-1} q_l)`, which tends to the width of their primes.
#[derive(Clone, Debug, PartialEq)]
pub struct ModulusChain {
    log_n: u32,
    q: Vec<u64>,
    special: Vec<u64>,
    /// The top circuit level `C` (below the bootstrapping primes).
    circuit_top: usize,
    scales: Vec<f64>,
    /// `log2 Q_l`, cumulative.
    log_q: Vec<f64>,
}

impl ModulusChain {
    /// Chooses the primes of `literal` (no range or security check: see
    /// [`ParametersLiteral::build`] for those).
    ///
    /// Special primes and `q_0` are the largest NTT primes (`= 1 mod 2N`) of their widths; the
    /// data primes are chosen from the top circuit level down, each the NTT prime nearest to the
    /// value that brings the next scale back to `2^log_scale`; bootstrapping primes are the NTT
    /// primes nearest to `2^bits`.
    ///
    /// # Errors
    /// [`CkksError::InvalidParameters`] if there are not enough NTT primes of a width.
    pub fn from_literal(literal: &ParametersLiteral) -> Result<Self> {
        let n = 1usize << literal.log_n;
        let two_n = 2 * n as u64;
        let none = |role: PrimeRole, bits: u32| {
            CkksError::InvalidParameters(ParameterFault::NotEnoughPrimes { role, bits, n })
        };
        let mut used: Vec<u64> = Vec::new();
        let mut special = Vec::new();
        for &b in &literal.special_prime_bits {
            let p =
                largest_ntt_prime(b, two_n, &used).ok_or_else(|| none(PrimeRole::Special, b))?;
            used.push(p);
            special.push(p);
        }
        let q0 = largest_ntt_prime(literal.first_prime_bits, two_n, &used)
            .ok_or_else(|| none(PrimeRole::First, literal.first_prime_bits))?;
        used.push(q0);
        let levels = literal.data_prime_bits.len();
        let delta = 2f64.powi(literal.log_scale as i32);
        let mut q = vec![0u64; levels + 1];
        let mut scales = vec![0f64; levels + 1];
        scales[levels] = delta;
        for l in (1..=levels).rev() {
            let bits = literal.data_prime_bits[l - 1];
            let ratio = scales[l] / delta;
            let target = 2f64.powi(bits as i32) * ratio * ratio;
            let p = nearest_ntt_prime(target, two_n, MAX_MODULUS_BITS, &used)
                .ok_or_else(|| none(PrimeRole::Data, bits))?;
            used.push(p);
            q[l] = p;
            scales[l - 1] = scales[l] * scales[l] / p as f64;
        }
        q[0] = q0;
        for &bits in &literal.bootstrap_prime_bits {
            let p = nearest_ntt_prime(2f64.powi(bits as i32), two_n, MAX_MODULUS_BITS, &used)
                .ok_or_else(|| none(PrimeRole::Bootstrapping, bits))?;
            used.push(p);
            let below = *scales.last().expect("level 0 exists");
            q.push(p);
            scales.push((below * p as f64).sqrt());
        }
        let log_q = q
            .iter()
            .scan(0.0, |acc, &p| {
                *acc += (p as f64).log2();
                Some(*acc)
            })
            .collect();
        Ok(Self { log_n: literal.log_n, q, special, circuit_top: levels, scales, log_q })
    }

    /// A chain for simulation only (depth finding, op counting, plaintext dry runs): `N = 2^log_n`,
    /// `levels` data primes of `log_scale` bits above a 60-bit `q_0`, one 60-bit special prime.
    /// Not checked for security and never used to encrypt.
    ///
    /// # Errors
    /// [`CkksError::InvalidParameters`] for `log_n` outside `3..=17`, `log_scale` outside
    /// `20..=50`, or more levels than there are primes.
    pub fn analysis(log_n: u32, levels: usize, log_scale: u32) -> Result<Self> {
        if !(3..=17).contains(&log_n) || !(20..=50).contains(&log_scale) || levels > 1000 {
            return Err(CkksError::InvalidParameters(ParameterFault::AnalysisChain {
                log_n,
                log_scale,
                levels,
            }));
        }
        let mut literal = ParametersLiteral::with_levels(log_n, levels, 60, log_scale, 60, 1);
        literal.special_prime_bits = vec![60];
        Self::from_literal(&literal)
    }

    /// `log2 N`.
    pub fn log_n(&self) -> u32 {
        self.log_n
    }

    /// The ring degree `N`.
    pub fn n(&self) -> usize {
        1 << self.log_n
    }

    /// The number of complex slots, `N / 2`.
    pub fn slots(&self) -> usize {
        self.n() / 2
    }

    /// The top level `L`.
    pub fn max_level(&self) -> usize {
        self.q.len() - 1
    }

    /// The top circuit level `C`: the top level below the bootstrapping primes (where
    /// bootstrapping leaves its output), `L` for parameters without them.
    pub fn circuit_top(&self) -> usize {
        self.circuit_top
    }

    /// The number of bootstrapping levels above the circuit's, `L - C`.
    pub fn bootstrap_levels(&self) -> usize {
        self.max_level() - self.circuit_top
    }

    /// The ciphertext primes `q_0 .. q_L`.
    pub fn q_primes(&self) -> &[u64] {
        &self.q
    }

    /// The special primes.
    pub fn special_primes(&self) -> &[u64] {
        &self.special
    }

    /// The nominal scale `s_l` of `level`.
    ///
    /// # Panics
    /// If `level > L`.
    pub fn scale(&self, level: usize) -> f64 {
        self.scales[level]
    }

    /// `log2 Q_l`.
    ///
    /// # Panics
    /// If `level > L`.
    pub fn log_q(&self, level: usize) -> f64 {
        self.log_q[level]
    }

    /// `log2(QP)`: every prime, special ones included.
    pub fn log_qp(&self) -> f64 {
        self.log_q[self.max_level()] + self.special.iter().map(|&p| (p as f64).log2()).sum::<f64>()
    }

    /// Checks that `level` exists.
    ///
    /// # Errors
    /// [`CkksError::InvalidLevel`] if `level > L`.
    pub fn check_level(&self, level: usize) -> Result<()> {
        if level > self.max_level() {
            return Err(CkksError::InvalidLevel {
                requested: level,
                reason: format!("the top level of these parameters is {}", self.max_level()),
            });
        }
        Ok(())
    }

    /// A rotation step reduced to `[0, N/2)`.
    pub fn normalise_step(&self, step: i64) -> usize {
        step.rem_euclid(self.slots() as i64) as usize
    }

    /// The Galois element `5^k mod 2N` of a left rotation by `step` slots (negative: right),
    /// `k = step mod N/2`.
    pub fn rotation_galois_element(&self, step: i64) -> usize {
        galois::rotation_element(self.n(), step)
    }

    /// The Galois element of complex conjugation, `2N - 1`.
    pub fn conjugation_galois_element(&self) -> usize {
        galois::conjugation_element(self.n())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::{Encoder, Security};
    use num_bigint::BigUint;
    use num_traits::{One, ToPrimitive};

    #[test]
    fn the_context_uses_the_chain_of_its_literal() {
        let lit = ParametersLiteral::with_levels(12, 5, 50, 36, 50, 2)
            .security(Security::InsecureToyParameters);
        let chain = ModulusChain::from_literal(&lit).unwrap();
        let ctx = lit.build().unwrap();
        assert_eq!(ctx.chain(), &chain);
        assert_eq!(chain.q_primes(), ctx.q_primes().as_slice());
        for l in 1..=chain.max_level() {
            let log_q: f64 = chain.q_primes()[..=l].iter().map(|&q| (q as f64).log2()).sum();
            assert!((chain.log_q(l) - log_q).abs() < 1e-9);
        }
    }

    /// `num / den` as an `f64` (both positive): the top 64 bits of the quotient, exactly
    /// rounded down, then scaled.
    fn ratio_to_f64(num: &BigUint, den: &BigUint) -> f64 {
        let shift = 64 + den.bits() as i64 - num.bits() as i64;
        let q =
            if shift >= 0 { (num << shift as u64) / den } else { (num >> (-shift) as u64) / den };
        q.to_f64().unwrap() * 2f64.powi(-shift as i32)
    }

    /// The nominal scales against exact rational arithmetic (num-bigint), not against the
    /// recurrence the code evaluates in `f64`: `s_l = 2^(d 2^(L-l)) / prod_{j=l+1..L}
    /// q_j^(2^(j-l-1))`, the closed form of `s_L = 2^d`, `s_{l-1} = s_l^2 / q_l`. Each level's
    /// `f64` scale must be that rational to within accumulated rounding (each squaring doubles
    /// the relative error, so after `L - l` levels it is at most about `2^(L-l+2)` ulps), and
    /// within the stated bound of `2^d` in log2.
    #[test]
    fn nominal_scales_equal_the_exact_rationals() {
        // (log N, levels, first, scale bits, bound on log2 |log2 s_l - d|). A data prime that
        // misses its target by g moves the scale by about g / q relatively, and the gap between
        // NTT primes (= 1 mod 2N) grows with N while q grows with d: measured worsts (printed)
        // 2^-17.5, 2^-20.9, 2^-19.1, 2^-27.1, 2^-26.3; the chains are deterministic, so the
        // bounds are those with one bit of margin. The exact numerator has d 2^L bits, so the
        // chains stay at L <= 14.
        let sets = [
            (12, 5, 50, 36, -16.5),
            (13, 3, 60, 40, -19.9),
            (14, 7, 60, 40, -18.1),
            (15, 14, 60, 50, -26.1),
            (16, 10, 60, 50, -25.3),
        ];
        for (log_n, levels, first, d, bound) in sets {
            let lit = ParametersLiteral::with_levels(log_n, levels, first, d, 60, 1)
                .security(Security::InsecureToyParameters);
            let chain = ModulusChain::from_literal(&lit).unwrap();
            let big_l = chain.max_level();
            let q = chain.q_primes();
            let mut worst = 0f64;
            for l in (0..=big_l).rev() {
                let num = BigUint::one() << (d as u64 * (1u64 << (big_l - l)));
                let den = (l + 1..=big_l).fold(BigUint::one(), |acc, j| {
                    acc * BigUint::from(q[j]).pow(1u32 << (j - l - 1))
                });
                let exact = ratio_to_f64(&num, &den);
                let rel = (chain.scale(l) / exact - 1.0).abs();
                let ulps = 2f64.powi((big_l - l) as i32 + 2) * f64::EPSILON;
                assert!(rel <= ulps, "N = 2^{log_n}, level {l}: {rel:e} from the exact scale");
                // The deviation from 2^d, from the exact rational: (s_l / 2^d) as f64.
                let dev = ratio_to_f64(&num, &(den << d as u64)).log2().abs();
                worst = worst.max(dev);
            }
            eprintln!(
                "N = 2^{log_n}, {levels} levels of {d} bits: |log2 s_l - {d}| <= 2^{:.1}",
                worst.log2()
            );
            assert!(worst < 2f64.powf(bound), "N = 2^{log_n}: 2^{:.1}", worst.log2());
        }
    }

    #[test]
    fn bootstrapping_primes_sit_above_the_circuit_levels() {
        let mut lit = ParametersLiteral::with_levels(12, 3, 60, 40, 60, 2)
            .security(Security::InsecureToyParameters);
        lit.bootstrap_prime_bits = vec![39, 39, 60, 60, 60, 56, 56];
        lit.special_prime_bits = vec![60; 5];
        let chain = ModulusChain::from_literal(&lit).unwrap();
        assert_eq!((chain.circuit_top(), chain.max_level(), chain.bootstrap_levels()), (3, 10, 7));
        // The circuit's levels are those of the literal without bootstrapping primes.
        let plain = ModulusChain::from_literal(&ParametersLiteral {
            bootstrap_prime_bits: Vec::new(),
            ..lit.clone()
        })
        .unwrap();
        assert_eq!(&chain.q_primes()[..4], plain.q_primes());
        assert_eq!(chain.scale(3), 2f64.powi(40));
        for l in 1..=chain.max_level() {
            let want = chain.scale(l) * chain.scale(l) / chain.q_primes()[l] as f64;
            assert!((chain.scale(l - 1) / want - 1.0).abs() < 1e-12, "level {l}");
        }
        for (l, bits) in (4..=10).zip([39, 39, 60, 60, 60, 56, 56]) {
            assert!(((chain.q_primes()[l] as f64).log2() - bits as f64).abs() < 0.01);
        }
        // Towards the width of the primes: 2^40 -> 2^39.5 -> 2^39.25 -> ~2^49.6 -> ...
        assert!((chain.scale(6).log2() - 49.6).abs() < 0.1 && chain.scale(8).log2() > 57.0);
        let ctx = lit.build().unwrap();
        let back = crate::Context::from_bytes(&ctx.to_bytes()).unwrap();
        assert_eq!(back.chain(), ctx.chain());
        assert_eq!(back.literal(), ctx.literal());
    }

    #[test]
    fn galois_elements_match_the_encoder() {
        let chain = ModulusChain::analysis(6, 2, 30).unwrap();
        let enc = Encoder::new(64);
        for step in -70i64..70 {
            let k = step.rem_euclid(32) as usize;
            assert_eq!(chain.rotation_galois_element(step), enc.rotation_galois_element(k));
        }
        assert_eq!(chain.conjugation_galois_element(), 127);
    }

    #[test]
    fn analysis_chains_can_be_tall_and_refuse_nonsense() {
        let chain = ModulusChain::analysis(16, 200, 40).unwrap();
        assert_eq!(chain.max_level(), 200);
        assert!(ModulusChain::analysis(18, 2, 40).is_err());
        assert!(ModulusChain::analysis(10, 2, 60).is_err());
    }
}
