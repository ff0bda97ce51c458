//! The CKKS scheme: parameters and context, encoding, keys, encryption, key switching and
//! evaluation.

pub mod chain;
pub mod ciphertext;
pub mod context;
pub mod encoder;
pub mod encoding;
pub mod evaluator;
pub mod keys;
pub mod keyswitch;
pub mod params;
pub mod rules;
pub mod serial;

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
