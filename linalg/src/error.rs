//! The toolkit's error type: shape and unit mismatches, with the scheme's own errors passed
//! through.

use crate::unit::EncodingUnit;
use ckks::CkksError;
use thiserror::Error;

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, LinalgError>;

/// Everything that can go wrong in the toolkit.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum LinalgError {
    /// An encoding unit that is not a pair of powers of two filling the slots.
    #[error("invalid encoding unit {height} x {width}: {reason}")]
    InvalidUnit {
        /// Rows of the unit.
        height: usize,
        /// Columns of the unit.
        width: usize,
        /// Why.
        reason: String,
    },

    /// Operands encoded with different units.
    #[error("{operation}: the operands use different encoding units ({left} vs {right})")]
    UnitMismatch {
        /// The operation.
        operation: &'static str,
        /// The first operand's unit.
        left: EncodingUnit,
        /// The second operand's unit.
        right: EncodingUnit,
    },

    /// Operands whose dimensions do not fit the operation.
    #[error("{operation}: shapes {left} and {right} do not fit ({requirement})")]
    ShapeMismatch {
        /// The operation.
        operation: &'static str,
        /// The first operand's shape.
        left: String,
        /// The second operand's shape.
        right: String,
        /// What the operation needs.
        requirement: &'static str,
    },

    /// Plaintext data whose length does not match its stated shape.
    #[error("{what}: {given} values given for a {rows} x {cols} object")]
    BadData {
        /// The object.
        what: &'static str,
        /// Values given.
        given: usize,
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
    },

    /// An object with no entries.
    #[error("{0}: empty objects are not supported")]
    Empty(&'static str),

    /// A precondition of the scheme (level, scale, key, range).
    #[error(transparent)]
    Ckks(#[from] CkksError),
}
