//! The depth finder: an observer of the lowest level reached.

use super::{Event, Observed, Observer};
use crate::eval::traits::{CkksEvaluator, Op};
use crate::eval::SymbolicEvaluator;
use crate::scheme::ModulusChain;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Observer that measures the multiplicative depth: the highest level an input was encrypted at
/// minus the lowest level any value reached.
///
/// For a circuit whose inputs all start at the same level, this is the number of rescales on the
/// longest path; an input encrypted `j` levels lower counts as having passed `j` rescales
/// already, and a level drop counts like the rescales it stands for. It is exactly the number
/// of levels the parameters must provide above the lowest one.
#[derive(Debug)]
pub struct Depth {
    top: AtomicUsize,
    lowest: AtomicUsize,
}

impl Default for Depth {
    fn default() -> Self {
        Self { top: AtomicUsize::new(0), lowest: AtomicUsize::new(usize::MAX) }
    }
}

impl Depth {
    /// The depth so far (0 before any input).
    pub fn depth(&self) -> usize {
        let lowest = self.lowest.load(Ordering::Relaxed);
        self.top.load(Ordering::Relaxed).saturating_sub(lowest)
    }

    /// The highest level an input was encrypted at.
    pub fn top_input_level(&self) -> usize {
        self.top.load(Ordering::Relaxed)
    }

    /// The lowest level any value reached (`None` before any value).
    pub fn lowest_level(&self) -> Option<usize> {
        Some(self.lowest.load(Ordering::Relaxed)).filter(|&l| l != usize::MAX)
    }
}

impl<E: CkksEvaluator> Observer<E> for Depth {
    fn observe(&self, event: &Event<'_>, _value: Option<&E::Value>) {
        match event.op {
            Op::Encode => {}
            // A bootstrap starts a segment as an input does.
            Op::Encrypt | Op::Bootstrap => {
                self.top.fetch_max(event.result.level, Ordering::Relaxed);
                self.lowest.fetch_min(event.result.level, Ordering::Relaxed);
            }
            _ => {
                self.lowest.fetch_min(event.result.level, Ordering::Relaxed);
            }
        }
    }
}

/// Measures the multiplicative depth of a circuit (see [`Depth`]), on metadata only unless built
/// over another evaluator with [`Observed::with_observer`].
pub type DepthFinder<E = SymbolicEvaluator> = Observed<E, Depth>;

impl DepthFinder {
    /// A depth finder on `chain` (for instance [`ModulusChain::analysis`]), every key available.
    pub fn new(chain: ModulusChain) -> Self {
        Observed::with_observer(SymbolicEvaluator::new(chain), Depth::default())
    }
}

impl<E: CkksEvaluator> DepthFinder<E> {
    /// Measures the depth of the operations run through `inner`.
    pub fn wrap(inner: E) -> Self {
        Observed::with_observer(inner, Depth::default())
    }

    /// The depth so far.
    pub fn depth(&self) -> usize {
        self.observer().depth()
    }
}
