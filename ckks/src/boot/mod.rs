//! Bootstrapping (work in progress).

mod bootstrapper;
pub(crate) mod dft;
pub mod evalmod;
mod hoisted;
pub mod keys;
pub mod lt;
pub mod plan;
pub mod poly;
pub(crate) mod raise;
pub mod sse;

pub use bootstrapper::Bootstrapper;
pub use keys::{BootstrapKeys, TransformKeys};
pub use plan::{BootstrapConfig, BootstrapPlan, BootstrapProfile, StageLevels};
pub use sse::EncapsulationKeys;
