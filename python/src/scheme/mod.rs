//! The scheme for notebooks: a [`Context`] (parameters and keys, from explicit parameters or
//! from `ckks::eval::choose_parameters` on a circuit written in Python) and one [`Evaluator`]
//! class whose methods are those of `ckks::eval::CkksEvaluator`, under five interpretations:
//! encrypted (`HomomorphicEvaluator`), plaintext (`PlaintextEvaluator`), depth finder
//! (`DepthFinder`), op counter (`OpCounter`), and the tracer that records a Python circuit
//! so that `choose_parameters` can run it as a Rust [`Circuit`](ckks::eval::Circuit).
//!
//! Every operation is an [`Op`], applied by one generic function ([`apply`]) to any
//! evaluator: the live evaluators and the replay of a trace share it.

mod context;
mod evaluator;
mod ops;

pub use context::Context;
pub use evaluator::Evaluator;
pub use ops::{apply, Op, Value};

use crate::errors::ckks_to_py;
use ckks::eval::{DepthFinder, OpCounter, PlaintextEvaluator};
use ckks::ModulusChain;
use evaluator::Backend;
use pyo3::prelude::*;

fn analysis(log_n: u32, levels: usize, log_scale: u32) -> PyResult<ModulusChain> {
    ModulusChain::analysis(log_n, levels, log_scale).map_err(ckks_to_py)
}

/// The plaintext evaluator on an analysis chain (no parameters needed).
#[pyfunction]
#[pyo3(signature = (log_n=12, levels=20, log_scale=40))]
fn plaintext_evaluator(log_n: u32, levels: usize, log_scale: u32) -> PyResult<Evaluator> {
    Ok(Evaluator {
        backend: Backend::Plain(PlaintextEvaluator::new(analysis(log_n, levels, log_scale)?)),
    })
}

/// The depth finder on an analysis chain.
#[pyfunction]
#[pyo3(signature = (log_n=12, levels=20, log_scale=40))]
fn depth_finder(log_n: u32, levels: usize, log_scale: u32) -> PyResult<Evaluator> {
    Ok(Evaluator { backend: Backend::Depth(DepthFinder::new(analysis(log_n, levels, log_scale)?)) })
}

/// The op counter on an analysis chain.
#[pyfunction]
#[pyo3(signature = (log_n=12, levels=20, log_scale=40))]
fn op_counter(log_n: u32, levels: usize, log_scale: u32) -> PyResult<Evaluator> {
    Ok(Evaluator { backend: Backend::Count(OpCounter::new(analysis(log_n, levels, log_scale)?)) })
}

/// Registers the scheme's classes and functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Context>()?;
    m.add_class::<Evaluator>()?;
    m.add_class::<Value>()?;
    m.add_function(wrap_pyfunction!(plaintext_evaluator, m)?)?;
    m.add_function(wrap_pyfunction!(depth_finder, m)?)?;
    m.add_function(wrap_pyfunction!(op_counter, m)?)?;
    Ok(())
}
