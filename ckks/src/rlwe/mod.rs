//! The scheme-agnostic RLWE layer (in the manner of Lattigo's `core/rlwe`): the ring and its
//! prime chain ([`RingContext`]), keys and their generation ([`keys`]), hybrid key switching
//! (decompose, inner product, mod-down, the fused switch, hoisting: [`keyswitch`]), the Galois
//! automorphisms ([`galois`]) and the versioned binary format ([`serial`]).
//!
//! It depends on [`crate::math`] only (and on the crate's error type): nothing here knows of
//! encodings, scales, the evaluation rules or the evaluator. The CKKS scheme
//! ([`crate::scheme`]) builds on it: its `Context` derefs to a [`RingContext`], its secret key
//! is [`SecretKey<Context>`](SecretKey), and it adds encryption and decryption of its
//! plaintexts to these keys.

pub mod galois;
pub mod keys;
pub mod keyswitch;
pub mod ring;
pub mod serial;

pub use keys::{
    EvaluationKeys, GaloisKey, GaloisKeys, PublicKey, RelinearizationKey, SecretKey, SwitchingKey,
};
pub(crate) use ring::check_hash;
pub use ring::RingContext;
