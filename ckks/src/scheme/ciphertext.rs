//! Plaintexts and ciphertexts: RNS polynomials in evaluation form with a level, a scale and the
//! hash of the parameters they belong to.

use super::rules::Meta;
use crate::math::{Eval, RnsPoly};
pub(crate) use crate::rlwe::check_hash;

/// An encoded message: `m(X)` with `m(zeta^(5^j)) ~ scale * z_j`, at `level` (over `q_0..q_level`).
#[derive(Clone, Debug, PartialEq)]
pub struct Plaintext {
    pub(crate) poly: RnsPoly<Eval>,
    pub(crate) level: usize,
    pub(crate) scale: f64,
    pub(crate) params_hash: u64,
}

/// A CKKS ciphertext `(c_0, c_1[, c_2])` with `c_0 + c_1 s [+ c_2 s^2] = m + e mod Q_level`.
#[derive(Clone, Debug, PartialEq)]
pub struct Ciphertext {
    pub(crate) parts: Vec<RnsPoly<Eval>>,
    pub(crate) level: usize,
    pub(crate) scale: f64,
    pub(crate) params_hash: u64,
}

impl Plaintext {
    /// The level (number of primes minus one).
    pub fn level(&self) -> usize {
        self.level
    }
    /// The scale `Delta` the values were multiplied by.
    pub fn scale(&self) -> f64 {
        self.scale
    }
    /// The polynomial, in evaluation form.
    pub fn poly(&self) -> &RnsPoly<Eval> {
        &self.poly
    }
    /// Level, scale and size (1) as the evaluation rules see them.
    pub fn meta(&self) -> Meta {
        Meta::plain(self.level, self.scale)
    }
    /// The hash of the parameters this plaintext belongs to.
    pub fn params_hash(&self) -> u64 {
        self.params_hash
    }
}

impl Ciphertext {
    /// The level (number of primes minus one).
    pub fn level(&self) -> usize {
        self.level
    }
    /// The scale of the encrypted message.
    pub fn scale(&self) -> f64 {
        self.scale
    }
    /// The number of polynomial components (2, or 3 after a multiplication before relinearization).
    pub fn size(&self) -> usize {
        self.parts.len()
    }
    /// The components, in evaluation form.
    pub fn parts(&self) -> &[RnsPoly<Eval>] {
        &self.parts
    }
    /// Level, scale and size as the evaluation rules see them.
    pub fn meta(&self) -> Meta {
        Meta { level: self.level, scale: self.scale, size: self.parts.len() }
    }
    /// The hash of the parameters this ciphertext belongs to.
    pub fn params_hash(&self) -> u64 {
        self.params_hash
    }
    /// Size in bytes of the components' residues (8 bytes a word, no compression).
    pub fn byte_size(&self) -> usize {
        self.parts.iter().map(|p| p.data().len() * 8).sum()
    }
}
