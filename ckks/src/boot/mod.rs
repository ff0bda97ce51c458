//! Bootstrapping (work in progress).

mod bootstrapper;
pub(crate) mod dft;
pub mod evalmod;
pub mod lt;
pub mod plan;
pub mod poly;
pub(crate) mod raise;
pub mod sse;

pub use bootstrapper::{evaluation_keys, Bootstrapper};
pub use plan::{BootstrapConfig, BootstrapPlan, BootstrapProfile, StageLevels};
pub use sse::EncapsulationKeys;
