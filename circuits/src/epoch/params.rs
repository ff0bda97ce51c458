//! Parameters, keys and analyses of an epoch run, and the run as one [`Circuit`].

use super::{EpochConfig, EpochTraining, Schedule};
use crate::error::Result;
use crate::protocol::SplitModel;
use ckks::boot::{sse, BootstrapConfig, BootstrapPlan};
use ckks::eval::{
    AutoOptions, AutoParameters, Circuit, CkksEvaluator, Counter, Observed, PlaintextEvaluator,
    Rotations, ScaleEstimator, SymbolicEvaluator,
};
use ckks::{CkksError, Security};
use std::sync::Arc;

impl EpochTraining<'_> {
    /// The bootstrap of the state: sparse, on the encoding unit's width (all `N/2` slots when
    /// the unit is one row), with the default level budgets.
    ///
    /// # Errors
    /// As [`EpochTraining::unit`].
    pub fn bootstrap_config(&self, log_n: u32) -> Result<BootstrapConfig> {
        let slots = 1usize << (log_n - 1);
        let width = self.unit(slots)?.width();
        Ok(BootstrapConfig::with_slots((width < slots).then_some(width)))
    }

    /// The schedule with one more level after each bootstrap, when the chain at `N = 2^log_n`
    /// that holds it has the same digits and special primes as this one's and it bootstraps
    /// less: which levels suit a circuit is part of any comparison of circuits (the module
    /// docs' table).
    ///
    /// # Errors
    /// As [`EpochTraining::bootstrap_config`] and [`EpochTraining::schedule`].
    pub fn one_more_level(&self, log_n: u32, security: Security) -> Result<Option<Schedule>> {
        let config = self.bootstrap_config(log_n)?;
        let levels = self.config.levels;
        let keys = |l| {
            let literal = chain_literal(&config, log_n, l, security).ok()?;
            Some((literal.dnum, literal.special_prime_bits))
        };
        let here = keys(levels);
        if here.is_none() || here != keys(levels + 1) {
            return Ok(None);
        }
        let higher = EpochConfig { levels: levels + 1, ..self.config.clone() };
        let more = higher.schedule(self.kind)?;
        Ok((more.bootstraps() < self.schedule()?.bootstraps()).then_some(more))
    }

    /// The levels after a bootstrap that suit this circuit: this configuration's, then one more
    /// as long as [`EpochTraining::one_more_level`] finds one (the same digits and special
    /// primes, fewer bootstraps). From 10 levels at `N = 2^16`: 11 for both circuits (the module
    /// docs' table).
    ///
    /// # Errors
    /// As [`EpochTraining::one_more_level`].
    pub fn own_levels(&self, log_n: u32, security: Security) -> Result<usize> {
        let mut t = self.clone();
        while let Some(more) = t.one_more_level(log_n, security)? {
            t.config.levels = more.levels;
        }
        Ok(t.config.levels)
    }

    /// Parameters for the run at `N = 2^log_n`: `q_0` of 60 bits, [`super::EpochConfig::levels`]
    /// circuit levels of 40 bits, the bootstrapping primes above, the digits of
    /// [`BootstrapConfig::parameters`]; the counts and rotations of one symbolic run over the
    /// whole schedule and the scale estimate of one plaintext run, as
    /// [`ckks::eval::choose_parameters`] gives them for circuits of one segment (so
    /// [`AutoParameters::generate_keys`] and [`AutoParameters::homomorphic`] apply).
    ///
    /// # Errors
    /// [`ckks::CkksError::InvalidParameters`] when the levels do not fit `security`'s bound, the
    /// values not the scale, or the encapsulation not the security claim; the run's errors
    /// (a state beyond [`super::EpochConfig::state_bound`] among them).
    pub fn parameters(&self, log_n: u32, security: Security) -> Result<AutoParameters> {
        let config = self.bootstrap_config(log_n)?;
        let context = chain_literal(&config, log_n, self.config.levels, security)?.build()?;
        if security == Security::HeStandard128 {
            sse::check_security(&context, config.hamming_weight)?;
        }
        let plan = Arc::new(BootstrapPlan::new(context.chain(), &config)?);
        let plain =
            PlaintextEvaluator::new(context.chain().clone()).with_bootstrap(plan.clone())?;
        let scale = ScaleEstimator::wrap(plain);
        Circuit::run(self, &scale)?;
        let options = AutoOptions {
            min_log_n: log_n,
            max_log_n: log_n,
            security,
            bootstrap: Some(config),
            ..AutoOptions::default()
        };
        let estimate = scale.estimate(options.margin_bits);
        estimate.check_chain(context.chain())?;
        let sym = SymbolicEvaluator::new(context.chain().clone()).with_bootstrap(plan.clone())?;
        let analysis = Observed::with_observer(sym, <(Counter, Rotations)>::default());
        Circuit::run(self, &analysis)?;
        let (counter, rotations) = analysis.observer();
        Ok(AutoParameters {
            depth: self.config.levels,
            counts: counter.counts(),
            rotations: rotations.set(),
            scale_estimate: estimate,
            max_log_scale: LOG_SCALE,
            options,
            bootstrap: Some(plan),
            context,
        })
    }
}

impl Circuit for EpochTraining<'_> {
    type Output<E: CkksEvaluator> = SplitModel<E::Value>;

    /// Every round's uploads encrypted under `e`, then the server's run: `w` after the last
    /// round.
    fn run<E: CkksEvaluator>(&self, e: &E) -> ckks::Result<SplitModel<E::Value>> {
        let out = self.serve(e, |r| self.encrypt_round(e, r), |_| {});
        out.map(|(last, _)| last).map_err(|err| match err {
            crate::CircuitError::Linalg(linalg::LinalgError::Ckks(c)) => c,
            other => CkksError::Circuit(other.to_string()),
        })
    }
}

/// The width of an epoch run's `q_0`: the modular reduction's scale.
const FIRST_PRIME_BITS: u32 = 60;
/// The scale of an epoch run's circuit levels, in bits (and the width of their primes).
const LOG_SCALE: u32 = 40;

/// The chain of an epoch run with `levels` circuit levels: `q_0` of [`FIRST_PRIME_BITS`],
/// levels of [`LOG_SCALE`] bits, the bootstrapping primes of `config` above
/// ([`BootstrapConfig::parameters`]).
fn chain_literal(
    config: &BootstrapConfig,
    log_n: u32,
    levels: usize,
    security: Security,
) -> ckks::Result<ckks::ParametersLiteral> {
    config.parameters(log_n, levels, FIRST_PRIME_BITS, LOG_SCALE, security)
}
