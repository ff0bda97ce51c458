//! The training hyperparameters: one record for `reproduce`, `keygen` and the workflow's plan.

use crate::error::{Error, Result};
use circuits::reference::TrainConfig;
use circuits::sigmoid::SigmoidPoly;
use circuits::training::Kind;
use serde::{Deserialize, Serialize};

/// Sigmoid degrees offered (odd least-squares fits; the low-depth schedule is built for 3).
pub const SIGMOID_DEGREES: [usize; 3] = [3, 5, 7];

/// What training does with the data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hyperparameters {
    /// Minibatches `k` (one Nesterov iteration each).
    pub minibatches: usize,
    /// Rows per minibatch `b`.
    pub batch_size: usize,
    /// Learning rate `gamma`.
    pub gamma: f64,
    /// Degree of the sigmoid's polynomial (3, 5 or 7).
    pub sigmoid_degree: usize,
    /// The sigmoid is fitted on `[-R, R]`.
    pub sigmoid_interval: f64,
}

impl Default for Hyperparameters {
    /// HELR's: k = 6, b = 256, gamma = 0.5, the cubic fitted on [-8, 8].
    fn default() -> Self {
        Self {
            minibatches: 6,
            batch_size: 256,
            gamma: 0.5,
            sigmoid_degree: 3,
            sigmoid_interval: 8.0,
        }
    }
}

impl Hyperparameters {
    /// Checks every value.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] naming the flag.
    pub fn check(&self) -> Result<()> {
        let bad =
            |flag, value: String, expected| Err(Error::InvalidOption { flag, value, expected });
        if self.minibatches == 0 {
            return bad("--minibatches", "0".into(), "at least 1");
        }
        if self.batch_size == 0 {
            return bad("--batch-size", "0".into(), "at least 1");
        }
        if !(self.gamma.is_finite() && self.gamma > 0.0) {
            return bad("--gamma", self.gamma.to_string(), "a positive learning rate");
        }
        if !SIGMOID_DEGREES.contains(&self.sigmoid_degree) {
            return bad("--sigmoid-degree", self.sigmoid_degree.to_string(), "3, 5 or 7");
        }
        if !(self.sigmoid_interval.is_finite() && self.sigmoid_interval > 0.0) {
            return bad(
                "--sigmoid-interval",
                self.sigmoid_interval.to_string(),
                "a positive half-width R of the fit's interval [-R, R]",
            );
        }
        Ok(())
    }

    /// Checks every value, and that `circuit` supports them.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] naming the flag.
    pub fn check_for(&self, circuit: Kind) -> Result<()> {
        self.check()?;
        if circuit == Kind::LowDepth && self.sigmoid_degree != 3 {
            return Err(Error::InvalidOption {
                flag: "--sigmoid-degree",
                value: self.sigmoid_degree.to_string(),
                expected: "3 for the low-depth circuit (its schedule is built for the cubic); \
                           use the baseline for higher degrees",
            });
        }
        Ok(())
    }

    /// The trainers' configuration (the sigmoid fitted here).
    ///
    /// # Errors
    /// As [`Hyperparameters::check`].
    pub fn train_config(&self) -> Result<TrainConfig> {
        self.check()?;
        Ok(TrainConfig {
            batch_size: self.batch_size,
            minibatches: self.minibatches,
            gamma: self.gamma,
            sigmoid: SigmoidPoly::fit(self.sigmoid_degree, self.sigmoid_interval),
            ..TrainConfig::default()
        })
    }

    /// One line for the output.
    pub fn describe(&self) -> String {
        format!(
            "k = {} minibatches of b = {}, gamma = {}, degree-{} sigmoid fitted on [-{}, {}]",
            self.minibatches,
            self.batch_size,
            self.gamma,
            self.sigmoid_degree,
            self.sigmoid_interval,
            self.sigmoid_interval
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_values_name_their_flag() {
        let base = Hyperparameters::default();
        assert!(base.train_config().is_ok());
        for (h, flag) in [
            (Hyperparameters { minibatches: 0, ..base.clone() }, "--minibatches"),
            (Hyperparameters { batch_size: 0, ..base.clone() }, "--batch-size"),
            (Hyperparameters { gamma: f64::NAN, ..base.clone() }, "--gamma"),
            (Hyperparameters { sigmoid_degree: 4, ..base.clone() }, "--sigmoid-degree"),
            (Hyperparameters { sigmoid_interval: -1.0, ..base.clone() }, "--sigmoid-interval"),
        ] {
            let err = h.train_config().unwrap_err().to_string();
            assert!(err.starts_with(flag), "{err}");
        }
        let quintic = Hyperparameters { sigmoid_degree: 5, ..base };
        assert!(quintic.check_for(Kind::Baseline).is_ok());
        let err = quintic.check_for(Kind::LowDepth).unwrap_err().to_string();
        assert!(err.starts_with("--sigmoid-degree 5"), "{err}");
    }
}
