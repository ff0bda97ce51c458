//! Bootstrapping (work in progress).

pub(crate) mod dft;
