//! The native half of the Python package `lowdepth` (`lowdepth._native`): thin bindings over
//! the workspace's crates. The Python half (`python/lowdepth/`) checks arrays, holds the
//! estimator and the client/server classes, and defines the exception classes.
//!
//! - [`estimator`]: encrypted training on NumPy arrays, client and server in one process;
//! - [`workflow`]: the `experiments` binary's `keygen`, `encrypt`, `train`, `decrypt` over
//!   the same directories;
//! - [`scheme`]: contexts, keys and the evaluator interface with its interpretations
//!   (encrypted, plaintext, depth finder, op counter) for circuits written in Python.
//!
//! Every long call releases the GIL; every error is a typed exception of `lowdepth.errors`
//! with the Rust error's message ([`errors`]).
#![forbid(unsafe_code)]

pub mod errors;
pub mod estimator;
pub mod progress;
pub mod scheme;
pub mod workflow;

use pyo3::prelude::*;

/// The module `lowdepth._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Polynomial buffers reused instead of faulted in anew (see `ckks::alloc`).
    ckks::alloc::keep_freed_memory();
    m.add_function(wrap_pyfunction!(estimator::train_arrays, m)?)?;
    m.add_function(wrap_pyfunction!(workflow::keygen, m)?)?;
    m.add_function(wrap_pyfunction!(workflow::encrypt, m)?)?;
    m.add_function(wrap_pyfunction!(workflow::train, m)?)?;
    m.add_function(wrap_pyfunction!(workflow::decrypt, m)?)?;
    m.add_function(wrap_pyfunction!(workflow::check_server, m)?)?;
    scheme::register(m)?;
    Ok(())
}
