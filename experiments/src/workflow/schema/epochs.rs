//! A plan for whole epochs on the server alone (`keygen --epochs`): what it records beside the
//! hyperparameters (whose `minibatches` is then an epoch's `M`), its checks, and the epoch
//! run ([`circuits::epoch`]) the commands build from it.

use super::{invalid, Plan};
use crate::error::Result;
use crate::workflow::limits::MAX_EPOCH_MINIBATCHES;
use circuits::epoch::{EpochConfig, EpochTraining};
use ckks::Context;
use linalg::PlainMatrix;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What a plan for epochs records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpochRecord {
    /// Epochs `E`.
    pub epochs: usize,
    /// Levels after each bootstrap, where the rounds' inputs start: the parameters' top
    /// circuit level.
    pub levels: usize,
    /// The state bound `sigma` ([`EpochConfig::state_bound`]).
    pub state_bound: u32,
}

impl EpochRecord {
    /// Checks the record against the plan it is part of and the parameters: within
    /// [`MAX_EPOCH_MINIBATCHES`], a schedule exists, the levels are the chain's circuit levels,
    /// and the bundle has bootstrapping keys.
    pub(super) fn check(&self, plan: &Plan, path: &Path, ctx: &Context) -> Result<()> {
        let m = plan.hyperparameters.minibatches;
        if self.epochs.checked_mul(m).is_none_or(|t| t > MAX_EPOCH_MINIBATCHES) {
            return Err(invalid(
                path,
                "epochs.epochs",
                format!(
                    "{} epochs of {m} minibatches: at most {MAX_EPOCH_MINIBATCHES} minibatches",
                    self.epochs
                ),
            ));
        }
        if self.levels != ctx.chain().circuit_top() {
            return Err(invalid(
                path,
                "epochs.levels",
                format!("{}: the parameters have {}", self.levels, ctx.chain().circuit_top()),
            ));
        }
        if plan.keys.bootstrap.is_none() {
            return Err(invalid(path, "keys.bootstrap", "missing: epochs need bootstrapping keys"));
        }
        let config = plan.epoch_config(self)?;
        config.schedule(plan.circuit).map_err(|e| invalid(path, "epochs", e.to_string()))?;
        Ok(())
    }
}

impl Plan {
    fn epoch_config(&self, e: &EpochRecord) -> Result<EpochConfig> {
        Ok(EpochConfig {
            cfg: self.hyperparameters.train_config()?,
            epochs: e.epochs,
            levels: e.levels,
            state_bound: e.state_bound,
        })
    }

    /// The epoch run on `z` (an epoch's rows: `M b`), for a plan with epochs; `None` for a plan
    /// of rounds.
    ///
    /// # Errors
    /// As [`EpochTraining::new`].
    pub fn epoch_training<'a>(&self, z: &'a PlainMatrix) -> Result<Option<EpochTraining<'a>>> {
        let Some(e) = &self.epochs else { return Ok(None) };
        Ok(Some(EpochTraining::new(self.circuit, self.epoch_config(e)?, z)?))
    }
}
