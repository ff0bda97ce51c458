//! A circuit: a computation written once against [`CkksEvaluator`], run under any
//! interpretation (and given parameters by [`crate::auto`]).

use super::traits::CkksEvaluator;
use crate::error::Result;

/// A circuit: a computation written once against [`CkksEvaluator`], inputs included (it
/// encrypts or encodes them itself, laid out for [`CkksEvaluator::slots`]).
pub trait Circuit: Sync {
    /// What a run returns, for evaluator `E`.
    type Output<E: CkksEvaluator>;

    /// Runs the circuit on `e`.
    ///
    /// # Errors
    /// Whatever the evaluator reports; [`CkksError::TooManyValues`](crate::CkksError::TooManyValues) tells
    /// [`choose_parameters`](crate::auto::choose_parameters) to try a larger ring.
    fn run<E: CkksEvaluator>(&self, e: &E) -> Result<Self::Output<E>>;
}
