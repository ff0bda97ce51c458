//! Logistic-regression training circuits: the depth-5k baseline and the depth-2.5k low-depth
//! trainer, written against the evaluator abstraction and the `linalg` toolkit.
//!
//! Not built yet: this crate is a placeholder so the workspace has its final shape.
#![forbid(unsafe_code)]
