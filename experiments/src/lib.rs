//! The experiments of the project as a library (the `experiments` binary is a thin command line
//! over it): datasets, the `reproduce` experiment and its reports, and the client/server
//! workflow over files.
//!
//! - [`data`]: MNIST, CSV and NumPy datasets, split, shuffled and preprocessed into a binary
//!   problem, with the record of what was done.
//! - [`hyper`], [`args`], [`params`]: the hyperparameters, the flags the commands share, and
//!   how parameters are chosen.
//! - [`reproduce`], [`report`], [`progress`]: the experiment, its table, JSON and SVG, and the
//!   progress display.
//! - [`span`]: the circuits' work and critical path, and Brent's bound on `P` cores.
//! - [`workflow`]: `keygen`, `encrypt`, `train`, `decrypt` over files.
//! - [`files`]: the one path for reading and writing files; [`error`]: the one error type.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod args;
pub mod data;
pub mod demo;
pub mod epochs;
pub mod error;
pub mod files;
pub mod hyper;
pub mod params;
pub mod progress;
pub mod report;
pub mod reproduce;
pub mod span;
pub mod workflow;

pub use error::{Error, Result, WorkflowError};
