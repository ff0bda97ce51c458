//! Logistic-regression training circuits: the depth-5k baseline and the depth-2.5k low-depth
//! trainer, written against the evaluator abstraction and the `linalg` toolkit.
//!
//! - [`sigmoid`]: least-squares polynomial fits of the logistic function.
//! - [`reference`](mod@reference): the plaintext reference trainer (plain `f64`), the ground truth.
//! - [`baseline`]: the depth-5k circuit; [`lowdepth`]: the depth-2.5k circuit (schedule and
//!   derivation in its docs).
//! - [`protocol`]: what the client uploads and the server returns (names, kinds, shapes,
//!   units, levels, tile counts), defined once and serialisable; [`training`]: both circuits as
//!   [`ckks::eval::Circuit`]s, cost reports and encrypted inference; [`poly`]: polynomials on
//!   encrypted objects.
//! - [`linreg`]: linear regression by gradient descent, a small second model showing how a new
//!   circuit is written.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod baseline;
pub mod epoch;
pub mod error;
pub mod linreg;
pub mod lowdepth;
pub mod poly;
pub mod protocol;
pub mod reference;
pub mod sigmoid;
pub mod training;

pub use error::{CircuitError, ConfigFault, Result};
