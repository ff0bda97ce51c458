//! Arithmetic that knows nothing of CKKS: word moduli, primes, the NTT, RNS polynomials, base
//! conversion and sampling, and the SIMD kernels ([`simd`], the only module with `unsafe` code).

pub mod modulus;
pub mod ntt;
pub mod poly;
pub mod primes;
pub mod rns;
pub mod sampling;
pub mod simd;

pub use modulus::Modulus;
pub use ntt::NttTable;
pub use poly::{Basis, Coeff, Eval, RnsPoly};
pub use sampling::Prng;
