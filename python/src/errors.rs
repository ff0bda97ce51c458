//! Rust errors as Python exceptions: every typed error of the workspace becomes one of the
//! classes of `lowdepth.errors` (defined in Python, so that a data error is also a
//! `ValueError`), with the Rust error's message unchanged.

use experiments::{Error, WorkflowError};
use pyo3::prelude::*;
use pyo3::types::PyAnyMethods;

/// The class of `lowdepth.errors` for `e`.
fn class_of(e: &Error) -> &'static str {
    match e {
        Error::Io { .. } | Error::TooLarge { .. } => "FileError",
        Error::Json { .. } | Error::Object { .. } => "WorkflowError",
        Error::Workflow(WorkflowError::SecretKeyOnServer { .. }) => "SecretKeyOnServerError",
        Error::Workflow(_) => "WorkflowError",
        Error::InvalidOption { .. } | Error::PlanMismatch { .. } => "InvalidArgumentError",
        Error::Ckks(_) => "CkksError",
        Error::Circuit(_) | Error::Linalg(_) => "CircuitError",
        Error::Threads(_) => "LowdepthError",
        // Everything else is about the data: files, cells, labels, shapes.
        _ => "DataError",
    }
}

/// A Python exception of class `class` (in `lowdepth.errors`) with `message`.
pub fn raise(class: &str, message: String) -> PyErr {
    Python::attach(|py| {
        let made = py
            .import("lowdepth.errors")
            .and_then(|m| m.getattr(class))
            .and_then(|c| c.call1((message.clone(),)));
        match made {
            Ok(value) => PyErr::from_value(value),
            // The package's Python half is missing: still an exception, never a panic.
            Err(_) => pyo3::exceptions::PyRuntimeError::new_err(message),
        }
    })
}

/// `e` as its Python exception.
pub fn to_py(e: Error) -> PyErr {
    raise(class_of(&e), e.to_string())
}

/// A scheme error as `CkksError`.
pub fn ckks_to_py(e: ckks::CkksError) -> PyErr {
    raise("CkksError", e.to_string())
}

/// `Result` with the workspace's error converted.
pub trait IntoPy<T> {
    /// The Python exception of the error.
    fn py_err(self) -> PyResult<T>;
}

impl<T, E: Into<Error>> IntoPy<T> for std::result::Result<T, E> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(|e| to_py(e.into()))
    }
}
