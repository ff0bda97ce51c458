//! Bootstrapping (work in progress).

pub(crate) mod dft;
pub(crate) mod evalmod;
pub(crate) mod lt;
pub(crate) mod poly;
pub(crate) mod raise;
pub mod sse;
