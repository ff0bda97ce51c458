//! A from-scratch, full-RNS implementation of the CKKS approximate homomorphic encryption scheme
//! (Cheon, Kim, Kim, Song), with hybrid key switching, hoisted rotations and a deterministic
//! per-level scale chain.
//!
//! Layers, each depending only on the ones before it:
//! - [`math`]: word moduli (Barrett, Shoup), NTT-friendly primes, the negacyclic NTT, RNS
//!   polynomials in coefficient or evaluation form, CRT and fast base conversion, sampling.
//! - [`rlwe`]: the scheme-agnostic RLWE layer: the ring and its prime chain ([`rlwe::RingContext`]),
//!   keys, hybrid key switching, Galois automorphisms and the versioned binary format.
//! - [`scheme`]: CKKS on it: parameters validated into a [`Context`] with the chain of nominal
//!   scales, the canonical-embedding encoder, encryption and decryption, every precondition once
//!   (`rules`) and the [`Evaluator`].
//! - [`eval`]: the [`eval::CkksEvaluator`] trait circuits are written against, its
//!   interpretations (encrypted, plaintext, depth, op counts, rotations, scale, debug) and
//!   automatic parameter selection.
//!
//! ```
//! use ckks::{ParametersLiteral, SecretKey, EvaluationKeys, Evaluator, Prng};
//! // N = 2^13, two levels, 55-bit q_0, 40-bit scale, 60-bit special prime, 3 digits:
//! // log2 QP = 195 <= 218, 128-bit secure.
//! let ctx = ParametersLiteral::with_levels(13, 2, 55, 40, 60, 3).build()?;
//! let mut prng = Prng::from_os_entropy();
//! let sk = SecretKey::generate(&ctx, &mut prng);
//! let keys = EvaluationKeys {
//!     relinearization: Some(sk.relinearization_key(&mut prng)),
//!     galois: sk.galois_keys(&[1], false, &mut prng),
//! };
//! let eval = Evaluator::new(&ctx, keys)?;
//! let top = ctx.max_level();
//! let x = sk.encrypt(&ctx.encode_at(&[0.5, -0.25, 1.0], top)?, &mut prng)?;
//! let y = eval.rescale(&eval.mul_relin(&x, &x)?)?;
//! let y = eval.rotate(&y, 1)?;
//! let out = ctx.decode(&sk.decrypt(&y)?)?;
//! assert!((out[0] - 0.0625).abs() < 1e-6 && (out[1] - 1.0).abs() < 1e-6);
//! # Ok::<(), ckks::CkksError>(())
//! ```
#![warn(missing_docs)]
// `unsafe` lives in `math::simd` (its kernels need CPU features checked at run time) and in
// `alloc` (one call that tunes glibc's allocator).
#![deny(unsafe_code)]

pub mod alloc;
pub mod auto;
pub mod boot;
pub mod error;
pub mod eval;
pub mod math;
pub mod rlwe;
pub mod scheme;

pub use error::{CkksError, ParameterFault, PrimeRole, Result, RingRefusal};
pub use math::Prng;
pub use num_complex::Complex64;
pub use scheme::*;
