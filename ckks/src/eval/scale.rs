//! The scale estimator: from the magnitudes of a plaintext run, the largest log scale that keeps
//! every value inside the modulus at every level.
//!
//! A value at level `l` with scale `s` and slot magnitudes at most `M` is encrypted as a
//! polynomial whose coefficients are at most `M s` (each coefficient is an average of slot
//! values), and it decrypts correctly only if `M s < Q_l / 2`. On a chain whose data primes are
//! about `2^b` and whose first prime has `b_0` bits, `log2 Q_l = b_0 + l b` and a value's scale is
//! about `2^(e b)`, where `e` is its scale exponent (1 for a fresh or rescaled value, 2 for a
//! product before rescaling, ...). Each value therefore requires
//!
//! `log2 M + e b + margin < b_0 + l b - 1`,
//!
//! with `l` counted from the lowest level the circuit reaches. The estimator records
//! `(l, e, log2 M)` for every value of a plaintext run and solves these inequalities for `b`
//! (given `b_0`) or for `b_0` (given `b`).

use super::traits::CkksEvaluator;
use super::{Event, Observed, Observer, PlaintextEvaluator};
use crate::error::Result;
use crate::scheme::ModulusChain;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Observer that records the largest magnitude per (level, scale) of a plaintext run.
#[derive(Debug, Default)]
pub struct ScaleRecorder {
    /// `(level, round(1024 log2 scale))` -> `(log2 scale, largest magnitude)`.
    seen: Mutex<BTreeMap<(usize, i64), (f64, f64)>>,
}

impl Observer<PlaintextEvaluator> for ScaleRecorder {
    fn observe(&self, event: &Event<'_>, value: Option<&super::SlotVector>) {
        let Some(v) = value else { return };
        let m = event.result;
        let log_scale = m.scale.log2();
        let key = (m.level, (log_scale * 1024.0).round() as i64);
        let mut seen = self.seen.lock().expect("scale lock");
        let e = seen.entry(key).or_insert((log_scale, 0.0));
        e.1 = e.1.max(v.max_abs());
    }
}

/// Runs a circuit in plaintext and estimates the scale it can use (see the module docs).
pub type ScaleEstimator = Observed<PlaintextEvaluator, ScaleRecorder>;

impl ScaleEstimator {
    /// A scale estimator on an analysis `chain` (for instance [`ModulusChain::analysis`]).
    pub fn new(chain: ModulusChain) -> Self {
        Self::wrap(PlaintextEvaluator::new(chain))
    }

    /// A scale estimator over `plain` (for instance one that bootstraps).
    pub fn wrap(plain: PlaintextEvaluator) -> Self {
        Observed::with_observer(plain, ScaleRecorder::default())
    }

    /// The constraints recorded so far, with levels counted from the lowest level reached and
    /// `margin_bits` of headroom.
    pub fn estimate(&self, margin_bits: f64) -> ScaleEstimate {
        let chain = self.inner().chain();
        let log_delta = chain.scale(chain.max_level()).log2();
        let seen = self.observer().seen.lock().expect("scale lock");
        let lowest = seen.keys().map(|k| k.0).min().unwrap_or(chain.max_level());
        let constraints = seen
            .iter()
            .filter(|(_, &(_, m))| m > 0.0)
            .map(|(&(level, _), &(log_scale, m))| Constraint {
                level: level - lowest,
                exponent: log_scale / log_delta,
                log_magnitude: m.log2(),
            })
            .collect();
        ScaleEstimate {
            constraints,
            margin_bits,
            levels: chain.circuit_top().saturating_sub(lowest),
            max_magnitude: self.inner().max_magnitude(),
        }
    }
}

/// One value's requirement: `log_magnitude + exponent b + margin < b_0 + level b - 1`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Constraint {
    /// Level above the lowest level reached.
    pub level: usize,
    /// Scale exponent `e` (scale about `2^(e b)`).
    pub exponent: f64,
    /// `log2` of the largest slot magnitude.
    pub log_magnitude: f64,
}

/// What a scale estimator found.
#[derive(Clone, Debug, PartialEq)]
pub struct ScaleEstimate {
    /// One constraint per (level, scale) seen.
    pub constraints: Vec<Constraint>,
    /// Headroom in bits on top of every magnitude.
    pub margin_bits: f64,
    /// Levels the circuit consumes counted from the top circuit level of the chain it ran on
    /// (the number of data primes the parameters need when inputs are encrypted relative to the
    /// top level; see [`ModulusChain::circuit_top`]).
    pub levels: usize,
    /// The largest slot magnitude seen.
    pub max_magnitude: f64,
}

impl ScaleEstimate {
    /// The first prime width (bits, fractional) that log scale `b` requires.
    pub fn required_first_prime_bits(&self, log_scale: u32) -> f64 {
        let b = log_scale as f64;
        self.constraints
            .iter()
            .map(|c| c.log_magnitude + self.margin_bits + 1.0 + (c.exponent - c.level as f64) * b)
            .fold(b + 1.0, f64::max)
    }

    /// The largest log scale in `min..=max` whose requirement fits a `first_prime_bits`-bit
    /// first prime, if any.
    pub fn max_log_scale(&self, first_prime_bits: u32, min: u32, max: u32) -> Option<u32> {
        (min..=max).rev().find(|&b| self.required_first_prime_bits(b) <= first_prime_bits as f64)
    }

    /// Checks a concrete chain: every recorded value fits `Q_l / 2` with the margin, levels
    /// counted from level 0 of `chain`.
    ///
    /// # Errors
    /// [`crate::CkksError::EncodingOverflow`] naming the first level where a value would not
    /// fit.
    pub fn check_chain(&self, chain: &ModulusChain) -> Result<()> {
        let b = chain.scale(chain.max_level()).log2();
        for c in &self.constraints {
            if c.level > chain.max_level() {
                continue;
            }
            let need = c.log_magnitude + c.exponent * b + self.margin_bits;
            if need >= chain.log_q(c.level) - 1.0 {
                return Err(crate::CkksError::EncodingOverflow {
                    value: c.log_magnitude.exp2(),
                    scale_log2: c.exponent * b,
                    reason: "a value of the circuit would not fit in half the modulus at its level",
                });
            }
        }
        Ok(())
    }
}
