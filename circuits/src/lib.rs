//! Logistic-regression training circuits: the depth-5k baseline and the depth-2.5k low-depth
//! trainer, written against the evaluator abstraction and the `linalg` toolkit.
//!
//! Built so far: the sigmoid fits ([`sigmoid`]), the plaintext reference trainer
//! ([`reference`]), polynomial evaluation ([`poly`]), the upload description ([`inputs`]) and the
//! baseline circuit ([`baseline`]).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod baseline;
pub mod error;
pub mod inputs;
pub mod lowdepth;
pub mod poly;
pub mod reference;
pub mod sigmoid;

pub use error::{CircuitError, Result};
