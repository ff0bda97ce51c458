//! What to bootstrap and how, and the parameter sets that hold it.

use super::dft;
use super::evalmod::ModReduction;
use crate::error::{CkksError, ParameterFault, Result};

/// What to bootstrap and how: slot count, level budgets, secret, modular reduction.
///
/// [`BootstrapConfig::default`] bootstraps all `N/2` slots with the budgets and prime widths
/// of Lattigo's dense-secret parameter sets (CoeffsToSlots 4 levels of 56 bits, SlotsToCoeffs
/// 3 of 39 bits, the modular reduction at the width of `q_0`).
#[derive(Clone, Debug, PartialEq)]
pub struct BootstrapConfig {
    /// Slots bootstrapped: `None` for all `N/2`, or a power of two below `N/2` (sparse: the
    /// input's slots must repeat with that period; see [`crate::boot`]).
    pub slots: Option<usize>,
    /// Levels (factors) of CoeffsToSlots (at most `log2` of the slot count; at least 1).
    pub cts_levels: usize,
    /// Levels (factors) of SlotsToCoeffs.
    pub stc_levels: usize,
    /// Width of the CoeffsToSlots primes.
    pub cts_prime_bits: u32,
    /// Width of the SlotsToCoeffs primes.
    pub stc_prime_bits: u32,
    /// Hamming weight `h` of the ephemeral secret (the overflow term is `|I| <= h / 2`).
    pub hamming_weight: usize,
    /// Double-angle steps of the modular reduction.
    pub double_angles: u32,
    /// Target error of the reduction's polynomial (in units of `sin(2 pi x)`).
    pub mod_error: f64,
    /// `log2` of the ratio `rho = q_0 / |m|` the input is scaled to at level 0: the sine's
    /// series error falls with it ([`ModReduction::series_error`]), while the reduction's
    /// arithmetic error is amplified by `rho / (2 pi)`.
    pub log_message_ratio: u32,
    /// Whether the reduction's output is corrected by the arcsine's series (two more levels;
    /// see [`super::evalmod`]).
    pub arcsine: bool,
    /// The largest slot magnitude the precision contract covers (the plaintext evaluator
    /// refuses larger values).
    pub input_bound: f64,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        Self {
            slots: None,
            cts_levels: 4,
            stc_levels: 3,
            cts_prime_bits: 56,
            stc_prime_bits: 39,
            hamming_weight: 32,
            double_angles: 2,
            mod_error: 2f64.powi(-40),
            log_message_ratio: 8,
            arcsine: true,
            input_bound: 1.0,
        }
    }
}

impl BootstrapConfig {
    /// The default configuration for `slots` slots (`None`: all).
    pub fn with_slots(slots: Option<usize>) -> Self {
        Self { slots, ..Self::default() }
    }

    /// The half-width `K` of the interval the modular reduction covers: `(h + 1) / 2` plus
    /// half a unit, one unit of margin over the overflow term's bound `h / 2`.
    pub fn k(&self) -> f64 {
        (self.hamming_weight as f64 + 1.0) / 2.0 + 0.5
    }

    /// The modular reduction of this configuration.
    pub fn mod_reduction(&self) -> ModReduction {
        ModReduction::new(self.k(), self.double_angles, self.mod_error, 255, self.arcsine)
    }

    /// The widths of the bootstrapping primes, bottom to top (SlotsToCoeffs, the modular
    /// reduction at `first_prime_bits`, CoeffsToSlots), for
    /// [`ParametersLiteral::bootstrap_prime_bits`](crate::ParametersLiteral) with `N/2 = half`
    /// slots.
    pub fn prime_bits(&self, first_prime_bits: u32, log_n: u32) -> Vec<u32> {
        let n = self.slots.unwrap_or(1 << (log_n - 1));
        let stages = dft::log2(n.max(1));
        let (c, s) =
            (self.cts_levels.clamp(1, stages.max(1)), self.stc_levels.clamp(1, stages.max(1)));
        let mut bits = vec![self.stc_prime_bits; s];
        bits.extend(vec![first_prime_bits; self.mod_reduction().depth()]);
        bits.extend(vec![self.cts_prime_bits; c]);
        bits
    }
}

/// The widths [`BootstrapConfig::parameters`] tries for the special primes, narrowest first:
/// 50 bits, within [`crate::math::simd::FAST_PRIME_BITS`], where key switching's extended
/// basis takes the fast kernels, and 61 bits, the fewest primes, when the narrow ones would not
/// fit the security bound.
pub const SPECIAL_PRIME_BITS: [u32; 2] = [50, 61];

// The narrow width is one the fast kernels take.
const _: () = assert!(SPECIAL_PRIME_BITS[0] <= crate::math::simd::FAST_PRIME_BITS);

impl BootstrapConfig {
    /// A parameter set for circuits that bootstrap with this configuration: `q_0` of
    /// `first_prime_bits` (the modular reduction runs at that scale), `circuit_levels` levels
    /// of `log_scale` bits, the bootstrapping primes of [`BootstrapConfig::prime_bits`], and
    /// special primes: for each number of digits, the narrowest of [`SPECIAL_PRIME_BITS`] that
    /// fits `security`'s bound on `log2(QP)` (for toy parameters, the bound at `N = 2^16`, so
    /// that they key-switch as the 128-bit set does); of those, the digit count that gives the
    /// smallest switching keys.
    ///
    /// # Errors
    /// [`CkksError::InvalidParameters`] when no digit count fits the bound; the errors of
    /// [`ParametersLiteral::build`](crate::ParametersLiteral::build).
    pub fn parameters(
        &self,
        log_n: u32,
        circuit_levels: usize,
        first_prime_bits: u32,
        log_scale: u32,
        security: crate::Security,
    ) -> Result<crate::ParametersLiteral> {
        let boot = self.prime_bits(first_prime_bits, log_n);
        let widths: Vec<u32> = std::iter::once(first_prime_bits)
            .chain(std::iter::repeat_n(log_scale, circuit_levels))
            .chain(boot.iter().copied())
            .collect();
        let bound = match security {
            crate::Security::HeStandard128 => {
                crate::max_log_qp_128(log_n).map(f64::from).unwrap_or(0.0)
            }
            // The digits and special primes of the 128-bit set at N = 2^16: toy runs with the
            // same key-switching shape.
            crate::Security::InsecureToyParameters => {
                crate::max_log_qp_128(log_n.max(16)).map(f64::from).unwrap_or(f64::INFINITY)
            }
        };
        let q_bits: u32 = widths.iter().sum();
        let mut best: Option<(usize, crate::ParametersLiteral)> = None;
        for dnum in 1..=widths.len() {
            let alpha = widths.len().div_ceil(dnum);
            let digit = widths.chunks(alpha).map(|c| c.iter().sum::<u32>()).max().unwrap_or(0);
            let fits = |&w: &u32| {
                let k = (digit as usize).div_ceil(w as usize);
                (q_bits as usize + w as usize * k) as f64 <= bound + 1.0
            };
            let Some(&w) = SPECIAL_PRIME_BITS.iter().find(|w| fits(w)) else { continue };
            let k = (digit as usize).div_ceil(w as usize);
            let literal = crate::ParametersLiteral {
                log_n,
                first_prime_bits,
                data_prime_bits: vec![log_scale; circuit_levels],
                bootstrap_prime_bits: boot.clone(),
                special_prime_bits: vec![w; k],
                log_scale,
                dnum,
                security,
            };
            let bytes = widths.len().div_ceil(alpha) * (widths.len() + k);
            if best.as_ref().is_none_or(|(b, _)| bytes < *b) && literal.build().is_ok() {
                best = Some((bytes, literal));
            }
        }
        best.map(|(_, l)| l).ok_or(CkksError::InvalidParameters(ParameterFault::NoDigitCount {
            q_bits,
            bound,
            log_n,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ModulusChain, Security};

    /// The narrow special primes where they fit the bound at the smallest keys' digit count,
    /// the wide ones where they do not (the figures of the module docs of `crate::boot`).
    #[test]
    fn special_primes_are_narrow_where_they_fit() {
        let config = BootstrapConfig::with_slots(Some(256));
        for (levels, dnum, special, log_qp) in [(9, 5, [61; 6], 1727.0), (10, 6, [50; 6], 1701.0)] {
            let lit = config.parameters(16, levels, 60, 40, Security::HeStandard128).unwrap();
            assert_eq!((lit.dnum, lit.special_prime_bits.as_slice()), (dnum, &special[..]));
            let chain = ModulusChain::from_literal(&lit).unwrap();
            assert_eq!(chain.log_qp().round(), log_qp, "{levels} circuit levels");
            assert!(chain.log_qp() <= crate::max_log_qp_128(16).map(f64::from).unwrap());
        }
    }
}
