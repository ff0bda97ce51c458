//! One circuit, many interpretations.
//!
//! A circuit is written once as a function generic over [`CkksEvaluator`] and then run under any
//! of its implementations:
//!
//! | evaluator | values | what a run gives |
//! |---|---|---|
//! | [`HomomorphicEvaluator`] | ciphertexts | the encrypted result |
//! | [`PlaintextEvaluator`] | exact complex slot vectors | the noiseless result and the largest magnitude reached |
//! | [`SymbolicEvaluator`] | level, scale and size only | nothing but the bookkeeping, at almost no cost |
//! | [`DepthFinder`] | (symbolic by default) | the multiplicative depth |
//! | [`OpCounter`] | (symbolic by default) | operation counts, key switches, input ciphertexts |
//! | [`RotationCollector`] | (symbolic by default) | the rotation steps, so Galois keys cover exactly those |
//! | [`ScaleEstimator`] | (plaintext) | the largest log scale that keeps every value inside the modulus |
//! | [`DebugEvaluator`] | ciphertext and plaintext side by side | the first operation whose decryption diverges |
//! | [`Span`] | (symbolic, or any) with their ready time | work and critical path under a [`CostModel`] (key switches, measured seconds), Brent's bounds |
//!
//! Every implementation applies the scheme's rules ([`crate::scheme::rules`]) to the same
//! [`ModulusChain`](crate::ModulusChain), so a level, scale, size or key precondition fails with the same
//! [`CkksError`](crate::CkksError) under all of them: a circuit that runs cleanly in plaintext
//! also runs encrypted. (Simulated evaluators hold every key unless given a [`KeyModel`]; build
//! it with [`KeyModel::from_keys`] to meet missing keys where the encrypted run would.)
//! [`crate::auto`] goes from a [`Circuit`] to parameters and keys (its names are re-exported
//! here).
//!
//! [`CkksEvaluator::bootstrap`] refreshes a value under every interpretation
//! ([`crate::boot`]): the homomorphic evaluator runs its [`Bootstrapper`](crate::boot::Bootstrapper);
//! the plaintext evaluator returns the slots (averaged over the copies for sparse slots) and
//! refuses values beyond the approximation's range; the symbolic evaluators reset the level to
//! the plan's output level, so the depth finder counts depth per segment, the op counter adds
//! each bootstrap's operations and key switches, and the rotation collector the rotations the
//! evaluation keys must hold; the debug evaluator compares stage by stage.
//!
//! ```
//! use ckks::eval::{CkksEvaluator, DepthFinder, OpCounter, PlaintextEvaluator};
//! use ckks::{ModulusChain, Result};
//!
//! /// x^4 + 2 as (x * x) * (x * x) + 2: depth 2.
//! fn quartic<E: CkksEvaluator>(e: &E, x: &E::Value) -> Result<E::Value> {
//!     let x2 = e.rescale(&e.square_relin(x)?)?;
//!     let x4 = e.rescale(&e.square_relin(&x2)?)?;
//!     e.add_const(&x4, 2.0)
//! }
//!
//! let chain = ModulusChain::analysis(4, 10, 40)?; // 8 slots, 10 levels
//! let depth = DepthFinder::new(chain.clone());
//! quartic(&depth, &depth.encrypt(&[0.5], depth.max_level())?)?;
//! assert_eq!(depth.depth(), 2);
//!
//! let plain = PlaintextEvaluator::new(chain);
//! let y = quartic(&plain, &plain.encrypt(&[0.5, 2.0], plain.max_level())?)?;
//! assert_eq!(&y.real()[..2], &[2.0625, 18.0]);
//! # Ok::<(), ckks::CkksError>(())
//! ```

mod circuit;
mod debug;
mod homomorphic;
mod keymodel;
mod observe;
mod plaintext;
mod refresh;
mod scale;
mod span;
mod symbolic;
mod traits;

// Automatic parameters live above bootstrapping (`crate::auto`); their names stay reachable
// here, where they were first (a re-export: no code of this layer uses them).
pub use crate::auto::{choose_parameters, prepare, AutoOptions, AutoParameters, KeySet};
pub use circuit::Circuit;
pub use debug::{DebugEvaluator, DebugPlain, DebugValue, Divergence, TraceEntry};
pub use homomorphic::HomomorphicEvaluator;
pub use keymodel::KeyModel;
pub use observe::{
    Counter, Depth, DepthFinder, Event, Observed, Observer, OpCounter, OpCounts, RotationCollector,
    RotationSet, Rotations,
};
pub use plaintext::{PlaintextEvaluator, SlotVector};
pub use refresh::{BootstrapModel, BootstrapProfile, Refresh, StageCheck, StageProbe};
pub use scale::{Constraint, ScaleEstimate, ScaleEstimator, ScaleRecorder};
pub use span::{brent, CostModel, KeySwitches, OpTimes, Span, SpanTotals, Timed, TimedOp};
pub use symbolic::SymbolicEvaluator;
pub use traits::{CkksEvaluator, Op, Stage};
