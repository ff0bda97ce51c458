//! Arithmetic that knows nothing of CKKS: word moduli, primes, the NTT, RNS polynomials, base
//! conversion and sampling.

pub mod modulus;
pub mod ntt;
#[cfg(target_arch = "x86_64")]
pub mod ntt_ifma;
pub mod poly;
pub mod primes;
pub mod rns;
pub mod sampling;

pub use modulus::Modulus;
pub use ntt::NttTable;
pub use poly::{Basis, Coeff, Eval, RnsPoly};
pub use sampling::Prng;
