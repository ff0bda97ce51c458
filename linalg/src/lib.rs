//! Encrypted linear algebra (tiles of slots, matrix x vector, matrix x matrix) written once
//! against the evaluator abstraction of [`ckks`].
//!
//! Not built yet: this crate is a placeholder so the workspace has its final shape. See the
//! project's issue tracker ("The encrypted linear-algebra toolkit in `linalg/`").
#![forbid(unsafe_code)]
