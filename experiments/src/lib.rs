//! The experiments of the project as a library (the `experiments` binary is a thin command line
//! over it): the MNIST loader, the `reproduce` experiment and its reports, and the
//! client/server workflow over files.
#![forbid(unsafe_code)]

pub mod mnist;
pub mod progress;
pub mod report;
pub mod reproduce;
pub mod workflow;
