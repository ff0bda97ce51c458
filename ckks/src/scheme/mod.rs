//! The CKKS scheme on the RLWE layer ([`crate::rlwe`]): parameters with their chain of nominal
//! scales and the context, encoding, encryption and decryption, the evaluation rules and the
//! evaluator, and the serialization of its own objects. The keys and key switching are the RLWE
//! layer's, re-exported here.

pub mod chain;
pub mod ciphertext;
pub mod context;
pub mod encoder;
pub mod encoding;
pub mod evaluator;
pub mod keys;
pub mod params;
pub mod rules;
pub mod serial;

pub use crate::rlwe::keyswitch;

pub use chain::ModulusChain;
pub use ciphertext::{Ciphertext, Plaintext};
pub use context::Context;
pub use encoder::Encoder;
pub use evaluator::Evaluator;
pub use keys::{
    EvaluationKeys, GaloisKey, GaloisKeys, PublicKey, RelinearizationKey, SecretKey,
    SeededCiphertext, SwitchingKey,
};
pub use params::{max_log_qp_128, ParametersLiteral, Security};
pub use rules::{Meta, SCALE_TOLERANCE};
