//! The circuits' error type.

use thiserror::Error;

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, CircuitError>;

/// What can go wrong when building or running a training circuit.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum CircuitError {
    /// Fewer samples than `minibatches x batch_size`.
    #[error(
        "{minibatches} minibatches of {batch_size} need {needed} samples; the data has {available}"
    )]
    NotEnoughData {
        /// Minibatches asked for.
        minibatches: usize,
        /// Rows per minibatch.
        batch_size: usize,
        /// `minibatches x batch_size`.
        needed: usize,
        /// Rows available.
        available: usize,
    },

    /// A configuration value out of range.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),

    /// From the linear-algebra toolkit.
    #[error(transparent)]
    Linalg(#[from] linalg::LinalgError),
}

impl From<ckks::CkksError> for CircuitError {
    fn from(e: ckks::CkksError) -> Self {
        Self::Linalg(e.into())
    }
}
