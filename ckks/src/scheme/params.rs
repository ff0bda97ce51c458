//! Parameter description (unchecked) and its ranges; [`ParametersLiteral::build`] (in
//! `context.rs`) validates it into a [`Context`](super::Context).

use crate::error::{CkksError, ParameterFault, PrimeRole, Result};
use crate::math::modulus::MAX_MODULUS_BITS;

/// How strictly the parameter set is checked for security.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Security {
    /// Reject any modulus above the HE standard's 128-bit bound for a uniform ternary secret.
    HeStandard128,
    /// No security check at all: toy parameters for tests and quick experiments. Ciphertexts
    /// made under such parameters protect nothing.
    InsecureToyParameters,
}

/// The largest `log2(QP)` for 128-bit classical security with a uniform ternary secret, by
/// `log2 N`.
///
/// Sources: for `N = 2^10 .. 2^15`, the Homomorphic Encryption Security Standard (Albrecht et
/// al., HomomorphicEncryption.org, November 2018), ternary-secret table, 128-bit classical
/// column (27, 54, 109, 218, 438, 881; the same in SEAL's `hestdparms.h`). The standard stops at
/// `N = 2^15`: the bounds for `2^16` and `2^17` (1747, 3523) are OpenFHE's lattice-estimator
/// figures (`src/core/lib/lattice/stdlatticeparms.cpp`, `HEStd_ternary`, `HEStd_128_classic`,
/// added in June 2024 for OpenFHE v1.2.0, which also lowered its earlier 1772 for `2^16`).
/// `ckks/tests/security.rs` checks every entry against these numbers.
pub fn max_log_qp_128(log_n: u32) -> Option<u32> {
    match log_n {
        10 => Some(27),
        11 => Some(54),
        12 => Some(109),
        13 => Some(218),
        14 => Some(438),
        15 => Some(881),
        16 => Some(1747),
        17 => Some(3523),
        _ => None,
    }
}

/// Smallest and largest supported `log2 N` (toy parameters may go lower, down to
/// [`MIN_TOY_LOG_N`]).
pub const LOG_N_RANGE: std::ops::RangeInclusive<u32> = 10..=17;
/// Smallest `log2 N` accepted with [`Security::InsecureToyParameters`].
pub const MIN_TOY_LOG_N: u32 = 3;
/// Largest number of primes (ciphertext and special together).
pub const MAX_PRIMES: usize = 64;
/// Smallest prime width.
pub const MIN_PRIME_BITS: u32 = 20;

/// An unchecked description of a CKKS parameter set: what an experiment writes down.
///
/// The ciphertext modulus is `Q = q_0 q_1 ... q_L`: `q_0` (the first prime) holds the message
/// after the last rescale, `q_1 .. q_L` (the data primes) are consumed one per rescale, top level
/// `L` first. `P = p_0 ... p_{k-1}` (the special primes) is used only inside key switching.
/// Call [`ParametersLiteral::build`] to validate it into a [`Context`](super::Context).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ParametersLiteral {
    /// `log2 N`: the ring is `Z[X] / (X^N + 1)`, with `N/2` complex slots.
    pub log_n: u32,
    /// Bit size of `q_0`.
    pub first_prime_bits: u32,
    /// Bit sizes of `q_1 .. q_L` (one per level above 0), usually all equal to `log_scale`.
    pub data_prime_bits: Vec<u32>,
    /// Bit sizes of the primes above the circuit's levels that bootstrapping consumes, bottom
    /// to top (see the bootstrapping module); empty for parameters without bootstrapping. Level `l` of
    /// the chain is then `q_0 .. q_l` over all of them: the circuit's levels are
    /// `0 ..= data_prime_bits.len()` and the bootstrapping levels sit above.
    pub bootstrap_prime_bits: Vec<u32>,
    /// Bit sizes of the special primes `p_j`.
    pub special_prime_bits: Vec<u32>,
    /// `log2` of the scale at the top level.
    pub log_scale: u32,
    /// Number of key-switching digits (`dnum`): the `L + 1` ciphertext primes are split into this
    /// many groups of `ceil((L + 1) / dnum)` consecutive primes.
    pub dnum: usize,
    /// Security check to apply.
    pub security: Security,
}

impl ParametersLiteral {
    /// A parameter set with `levels` data primes of `log_scale` bits, a `first_prime_bits`-bit
    /// first prime, and enough `special_bits`-bit special primes for `dnum` digits.
    pub fn with_levels(
        log_n: u32,
        levels: usize,
        first_prime_bits: u32,
        log_scale: u32,
        special_bits: u32,
        dnum: usize,
    ) -> Self {
        let dnum = dnum.clamp(1, levels + 1);
        let alpha = (levels + 1).div_ceil(dnum);
        // The largest digit is the first one (it holds q_0).
        let digit_bits = first_prime_bits as usize + (alpha - 1) * log_scale as usize;
        let k = digit_bits.div_ceil(special_bits.max(1) as usize).max(1);
        Self {
            log_n,
            first_prime_bits,
            data_prime_bits: vec![log_scale; levels],
            bootstrap_prime_bits: Vec::new(),
            special_prime_bits: vec![special_bits; k],
            log_scale,
            dnum,
            security: Security::HeStandard128,
        }
    }

    /// The same parameters with another security setting.
    pub fn security(mut self, security: Security) -> Self {
        self.security = security;
        self
    }

    /// The top level `L` (the number of rescales available), bootstrapping levels included.
    pub fn max_level(&self) -> usize {
        self.data_prime_bits.len() + self.bootstrap_prime_bits.len()
    }

    /// Checks every range [`ParametersLiteral::build`] requires (before any prime is chosen).
    ///
    /// # Errors
    /// [`CkksError::InvalidParameters`] for the first value out of range.
    pub(crate) fn check_ranges(&self) -> Result<()> {
        let bad = |fault: ParameterFault| Err(CkksError::InvalidParameters(fault));
        let min_log_n = match self.security {
            Security::HeStandard128 => *LOG_N_RANGE.start(),
            Security::InsecureToyParameters => MIN_TOY_LOG_N,
        };
        if self.log_n < min_log_n || self.log_n > *LOG_N_RANGE.end() {
            return bad(ParameterFault::LogN {
                log_n: self.log_n,
                min: min_log_n,
                max: *LOG_N_RANGE.end(),
            });
        }
        let min_bits = MIN_PRIME_BITS.max(self.log_n + 2);
        let all = std::iter::once((PrimeRole::First, self.first_prime_bits))
            .chain(self.data_prime_bits.iter().map(|&b| (PrimeRole::Data, b)))
            .chain(self.bootstrap_prime_bits.iter().map(|&b| (PrimeRole::Bootstrapping, b)))
            .chain(self.special_prime_bits.iter().map(|&b| (PrimeRole::Special, b)));
        for (role, bits) in all {
            if bits < min_bits || bits > MAX_MODULUS_BITS {
                return bad(ParameterFault::PrimeBits {
                    role,
                    bits,
                    min: min_bits,
                    max: MAX_MODULUS_BITS,
                });
            }
        }
        let total = 1 + self.max_level() + self.special_prime_bits.len();
        if total > MAX_PRIMES {
            return bad(ParameterFault::TooManyPrimes { count: total, max: MAX_PRIMES });
        }
        if self.special_prime_bits.is_empty() {
            return bad(ParameterFault::NoSpecialPrime);
        }
        if self.log_scale < 10 || self.log_scale >= self.first_prime_bits {
            return bad(ParameterFault::LogScale {
                log_scale: self.log_scale,
                first_prime_bits: self.first_prime_bits,
            });
        }
        if let Some(&b) =
            self.data_prime_bits.iter().find(|&&b| b + 8 < self.log_scale || b > self.log_scale + 8)
        {
            return bad(ParameterFault::DataPrimeFarFromScale {
                bits: b,
                log_scale: self.log_scale,
            });
        }
        let q_count = self.max_level() + 1;
        if self.dnum == 0 || self.dnum > q_count {
            return bad(ParameterFault::Dnum { dnum: self.dnum, primes: q_count });
        }
        Ok(())
    }
}
