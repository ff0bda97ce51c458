//! The training hyperparameters: one record for `reproduce`, `keygen` and the workflow's plan.

use crate::error::{Error, Result};
use circuits::reference::TrainConfig;
use circuits::sigmoid::SigmoidPoly;
use circuits::training::Kind;
use serde::{Deserialize, Serialize};

/// Sigmoid degrees offered (odd least-squares fits; the low-depth schedule is built for 3).
pub const SIGMOID_DEGREES: [usize; 3] = [3, 5, 7];

/// The largest learning rate accepted (far beyond any that converges on scaled data; a bound
/// keeps every product finite).
pub const MAX_GAMMA: f64 = 1024.0;
/// The largest half-width of the sigmoid's interval accepted (the same reason).
pub const MAX_SIGMOID_INTERVAL: f64 = 1024.0;

/// `x` as a short number (scientific notation far from 1).
fn number(x: f64) -> String {
    if x != 0.0 && !(1e-4..1e6).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// A hyperparameter out of range.
#[derive(Clone, Debug, PartialEq)]
pub struct OutOfRange {
    /// The field (in a plan's `hyperparameters`).
    pub field: &'static str,
    /// The command-line flag.
    pub flag: &'static str,
    /// The value.
    pub value: String,
    /// What it must be.
    pub expected: &'static str,
}

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
    /// The first value out of range: its field, its command-line flag, the value and what it
    /// must be.
    pub fn out_of_range(&self) -> Option<OutOfRange> {
        let bad = |field, flag, value: String, expected| {
            Some(OutOfRange { field, flag, value, expected })
        };
        let (k, b) = (self.minibatches, self.batch_size);
        if k == 0 {
            return bad("minibatches", "--minibatches", "0".into(), "at least 1");
        }
        if b == 0 {
            return bad("batch_size", "--batch-size", "0".into(), "at least 1");
        }
        if !(self.gamma.is_finite() && self.gamma > 0.0 && self.gamma <= MAX_GAMMA) {
            return bad(
                "gamma",
                "--gamma",
                number(self.gamma),
                "a positive learning rate of at most 1024",
            );
        }
        if !SIGMOID_DEGREES.contains(&self.sigmoid_degree) {
            return bad(
                "sigmoid_degree",
                "--sigmoid-degree",
                self.sigmoid_degree.to_string(),
                "3, 5 or 7",
            );
        }
        let r = self.sigmoid_interval;
        if !(r.is_finite() && r > 0.0 && r <= MAX_SIGMOID_INTERVAL) {
            return bad(
                "sigmoid_interval",
                "--sigmoid-interval",
                number(r),
                "a positive half-width R of at most 1024 of the fit's interval [-R, R]",
            );
        }
        None
    }

    /// Checks every value.
    ///
    /// # Errors
    /// [`Error::InvalidOption`] naming the flag.
    pub fn check(&self) -> Result<()> {
        match self.out_of_range() {
            Some(o) => {
                Err(Error::InvalidOption { flag: o.flag, value: o.value, expected: o.expected })
            }
            None => Ok(()),
        }
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
            (Hyperparameters { gamma: 1e300, ..base.clone() }, "--gamma"),
            (Hyperparameters { sigmoid_interval: 1e9, ..base.clone() }, "--sigmoid-interval"),
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
