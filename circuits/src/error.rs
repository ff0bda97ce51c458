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

    /// An object description that cannot be (an empty shape, a vector with several columns, a
    /// kind or tile count that does not match the rest).
    #[error("{name}: invalid object description: {reason}")]
    InvalidSpec {
        /// The object.
        name: crate::protocol::ObjectName,
        /// Why.
        reason: &'static str,
    },

    /// An object's description differs from the one the circuit expects.
    #[error("expected {expected}; found {found}")]
    SpecMismatch {
        /// What the circuit expects.
        expected: Box<crate::protocol::ObjectSpec>,
        /// What was given.
        found: Box<crate::protocol::ObjectSpec>,
    },

    /// A value of another kind or shape than its object's.
    #[error("{name}: a {kind:?} value does not fit the object (a {:?} of its shape is expected)", name.kind())]
    ValueMismatch {
        /// The object.
        name: crate::protocol::ObjectName,
        /// The kind of the value given.
        kind: linalg::Kind,
    },

    /// An object the circuit needs is missing.
    #[error("the object {name} is missing")]
    MissingObject {
        /// The object.
        name: crate::protocol::ObjectName,
    },

    /// An object the circuit does not use.
    #[error("the object {name} is not one this circuit uses")]
    UnexpectedObject {
        /// The object.
        name: crate::protocol::ObjectName,
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
