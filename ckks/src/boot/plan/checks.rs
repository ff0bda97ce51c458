//! The rules every evaluator applies to a bootstrap: the input's precondition, the output's
//! level and scale, the plan's chain, the exact meaning on slots; and the plan as the
//! simulated evaluators see it ([`BootstrapModel`]).

use super::{BootstrapPlan, BootstrapProfile};
use crate::error::{CkksError, ParameterFault, Result};
use crate::eval::BootstrapModel;
use crate::scheme::rules::{self, Meta};
use crate::scheme::ModulusChain;
use num_complex::Complex64;

impl BootstrapPlan {
    /// The precondition of bootstrapping `a` and the metadata of the result, the same for
    /// every evaluator: two components; at level 0, the nominal scale of level 0 (a value
    /// above level 0 is aligned to it first); the result is at [`BootstrapPlan::output_level`]
    /// and its nominal scale.
    ///
    /// # Errors
    /// [`CkksError::NeedsRelinearization`], [`CkksError::BootstrapScale`].
    pub fn check_input(&self, a: &Meta) -> Result<Meta> {
        rules::check_linear(a, "bootstrapping")?;
        if a.level == 0 && !rules::scales_match(a.scale, self.chain.scale(0)) {
            return Err(CkksError::BootstrapScale {
                found_log2: a.scale.log2(),
                expected_log2: self.chain.scale(0).log2(),
            });
        }
        let level = self.output_level();
        Ok(Meta::fresh(level, self.chain.scale(level)))
    }

    /// Checks that an evaluator's chain is the plan's.
    ///
    /// # Errors
    /// [`CkksError::InvalidParameters`].
    pub fn check_chain(&self, chain: &ModulusChain) -> Result<()> {
        if chain != &self.chain {
            return Err(CkksError::InvalidParameters(ParameterFault::PlanMismatch));
        }
        Ok(())
    }

    /// The projection bootstrapping computes, on exact slots: identity for full slots; for
    /// `n` sparse slots, the average of the `N / 2n` copies (identity on `n`-periodic slots).
    ///
    /// # Errors
    /// [`CkksError::BootstrapRange`] for a slot beyond the configuration's input bound.
    pub fn ideal(&self, slots: &[Complex64]) -> Result<Vec<Complex64>> {
        let max = slots.iter().map(|z| z.norm()).fold(0.0, f64::max);
        if max.is_nan() || max > self.config.input_bound {
            return Err(CkksError::BootstrapRange { value: max, bound: self.config.input_bound });
        }
        let n = self.slots;
        let copies = slots.len() / n;
        let avg: Vec<Complex64> = (0..n)
            .map(|j| (0..copies).map(|c| slots[j + c * n]).sum::<Complex64>() / copies as f64)
            .collect();
        Ok((0..slots.len()).map(|r| avg[r % n]).collect())
    }
}

/// The simulated evaluators' view of the plan (its inherent methods of the same names).
impl BootstrapModel for BootstrapPlan {
    fn check_chain(&self, chain: &ModulusChain) -> Result<()> {
        BootstrapPlan::check_chain(self, chain)
    }
    fn check_input(&self, a: &Meta) -> Result<Meta> {
        BootstrapPlan::check_input(self, a)
    }
    fn ideal(&self, slots: &[Complex64]) -> Result<Vec<Complex64>> {
        BootstrapPlan::ideal(self, slots)
    }
    fn output_level(&self) -> usize {
        BootstrapPlan::output_level(self)
    }
    fn profile(&self) -> &BootstrapProfile {
        BootstrapPlan::profile(self)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
