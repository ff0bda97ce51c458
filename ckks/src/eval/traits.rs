//! The evaluator interface every circuit is written against, and the operations observers see.

use super::refresh::BootstrapModel;
use crate::error::Result;
use crate::scheme::{Meta, ModulusChain};
use num_complex::Complex64;

/// An operation of the evaluator interface, as observers see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    /// Encoding and encryption of an input.
    Encrypt,
    /// Encoding of a plaintext.
    Encode,
    /// Ciphertext + ciphertext.
    Add,
    /// Ciphertext - ciphertext.
    Sub,
    /// Negation.
    Neg,
    /// Ciphertext + plaintext.
    AddPlain,
    /// Ciphertext - plaintext.
    SubPlain,
    /// Ciphertext x plaintext.
    MulPlain,
    /// Ciphertext + real constant.
    AddConst,
    /// Ciphertext x real constant (encoded at about the nominal scale).
    MulConst,
    /// Ciphertext x integer (no scale change).
    MulInteger,
    /// Ciphertext x ciphertext, not relinearized.
    Mul,
    /// Square of a ciphertext, not relinearized.
    Square,
    /// Relinearization of a three-component ciphertext (one key switch).
    Relinearize,
    /// Rescale by the top prime.
    Rescale,
    /// Level drop (no rescale).
    DropLevel,
    /// Drop, multiplication by 1 and rescale onto a lower level's nominal scale.
    AlignToLevel,
    /// Rotation by a nonzero step (one key switch).
    Rotate {
        /// The step, normalised to `[1, N/2)`.
        step: usize,
        /// Whether it shared its decomposition with other rotations of the same input.
        hoisted: bool,
    },
    /// Complex conjugation (one key switch).
    Conjugate,
    /// Multiplication of every slot by the imaginary unit (the monomial `X^(N/2)`: exact, no
    /// level, no key switch).
    MulI,
    /// A whole bootstrap (its operations are described by the plan's profile).
    Bootstrap,
    /// One stage of a bootstrap, as the debug evaluator compares them.
    BootstrapStage(Stage),
}

/// The stages of bootstrapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// Alignment to level 0, sparse-secret encapsulation and the modulus raise.
    ModRaise,
    /// The trace (sparse slots), CoeffsToSlots and the real parts.
    CoeffsToSlots,
    /// The approximate modular reduction.
    EvalMod,
    /// SlotsToCoeffs.
    SlotsToCoeffs,
}

impl Op {
    /// Whether the operation performs a key switch (relinearization, rotation, conjugation).
    pub fn is_key_switch(&self) -> bool {
        matches!(self, Op::Relinearize | Op::Rotate { .. } | Op::Conjugate)
    }
}

/// The interface every circuit is written against.
///
/// Values are encrypted vectors of `N/2` complex slots (real when encrypted from reals), each
/// with a level, a scale and a size (see [`Meta`]); plaintexts are encoded vectors. Each
/// operation has the same preconditions under every implementation ([`crate::scheme::rules`]):
///
/// - binary operations need equal levels ([`CkksError::LevelMismatch`](crate::CkksError)) and,
///   for additions, equal scales ([`CkksError::ScaleMismatch`](crate::CkksError));
/// - multiplications and rotations need two-component values
///   ([`CkksError::NeedsRelinearization`](crate::CkksError));
/// - rescaling needs a level above 0 ([`CkksError::LevelExhausted`](crate::CkksError));
/// - key switches need their keys, when the evaluator models a key set
///   ([`CkksError::MissingRotationKey`](crate::CkksError) and friends);
/// - encodings and constants must fit ([`CkksError::EncodingOverflow`](crate::CkksError),
///   [`CkksError::TooManyValues`](crate::CkksError), [`CkksError::InvalidLevel`](crate::CkksError)).
///
/// Implementations are `Sync` and take `&self`, so independent values can be processed in
/// parallel (rayon) with one evaluator.
pub trait CkksEvaluator: Sync {
    /// An encrypted (or simulated) vector.
    type Value: Clone + Send + Sync + std::fmt::Debug;
    /// An encoded (or simulated) plaintext vector.
    type Plain: Clone + Send + Sync + std::fmt::Debug;

    /// The modulus chain: slots, levels, nominal scales.
    fn chain(&self) -> &ModulusChain;

    /// Level, scale and size of a value.
    fn meta(&self, v: &Self::Value) -> Meta;

    /// Level and scale of a plaintext (size 1).
    fn plain_meta(&self, p: &Self::Plain) -> Meta;

    /// Encrypts complex `values` (zero padded to `N/2` slots) at `level` and its nominal scale.
    ///
    /// # Errors
    /// [`CkksError::TooManyValues`](crate::CkksError), [`CkksError::InvalidLevel`](crate::CkksError),
    /// [`CkksError::EncodingOverflow`](crate::CkksError); for the homomorphic evaluator,
    /// [`CkksError::NoEncryptionKey`](crate::CkksError) when it holds no key to encrypt with.
    fn encrypt_complex(&self, values: &[Complex64], level: usize) -> Result<Self::Value>;

    /// Encodes complex `values` at `level` and `scale`.
    ///
    /// # Errors
    /// [`CkksError::TooManyValues`](crate::CkksError), [`CkksError::InvalidLevel`](crate::CkksError),
    /// [`CkksError::EncodingOverflow`](crate::CkksError).
    fn encode_complex(&self, values: &[Complex64], level: usize, scale: f64)
        -> Result<Self::Plain>;

    /// `a + b`.
    ///
    /// # Errors
    /// Level or scale mismatch.
    fn add(&self, a: &Self::Value, b: &Self::Value) -> Result<Self::Value>;

    /// `a - b`.
    ///
    /// # Errors
    /// Level or scale mismatch.
    fn sub(&self, a: &Self::Value, b: &Self::Value) -> Result<Self::Value>;

    /// `-a`.
    ///
    /// # Errors
    /// None for a well-formed value.
    fn neg(&self, a: &Self::Value) -> Result<Self::Value>;

    /// `a + p`.
    ///
    /// # Errors
    /// Level or scale mismatch.
    fn add_plain(&self, a: &Self::Value, p: &Self::Plain) -> Result<Self::Value>;

    /// `a - p`.
    ///
    /// # Errors
    /// Level or scale mismatch.
    fn sub_plain(&self, a: &Self::Value, p: &Self::Plain) -> Result<Self::Value>;

    /// `a * p`, slot-wise: the scales multiply (rescale afterwards).
    ///
    /// # Errors
    /// Level mismatch.
    fn mul_plain(&self, a: &Self::Value, p: &Self::Plain) -> Result<Self::Value>;

    /// `a + c` for a real constant `c`.
    ///
    /// # Errors
    /// Encoding overflow.
    fn add_const(&self, a: &Self::Value, c: f64) -> Result<Self::Value>;

    /// `a * c` for a real constant `c`, encoded at [`rules::const_scale`](crate::scheme::rules::const_scale)
    /// (rescale afterwards).
    ///
    /// # Errors
    /// Encoding overflow.
    fn mul_const(&self, a: &Self::Value, c: f64) -> Result<Self::Value>;

    /// `a * c` for a real constant `c` encoded at an explicit `scale` (the result's scale is
    /// `a`'s times `scale`; no rescale): for circuits that manage their own scales, such as
    /// bootstrapping's polynomial evaluation, which aims every term of a sum at one scale.
    ///
    /// # Errors
    /// Encoding overflow, or a scale below 1.
    fn mul_const_at_scale(&self, a: &Self::Value, c: f64, scale: f64) -> Result<Self::Value>;

    /// `a * k` for an integer `k`: no scale change, no level.
    ///
    /// # Errors
    /// Encoding overflow when `|k|` does not fit in half of `Q_l`.
    fn mul_integer(&self, a: &Self::Value, k: i64) -> Result<Self::Value>;

    /// `a * b`, slot-wise, not relinearized (three components).
    ///
    /// # Errors
    /// Level mismatch, an operand that needs relinearization.
    fn mul(&self, a: &Self::Value, b: &Self::Value) -> Result<Self::Value>;

    /// `a * a`, not relinearized.
    ///
    /// # Errors
    /// As [`CkksEvaluator::mul`].
    fn square(&self, a: &Self::Value) -> Result<Self::Value>;

    /// Back to two components (a three-component value takes one key switch; a two-component
    /// one is returned as is).
    ///
    /// # Errors
    /// A missing relinearization key.
    fn relinearize(&self, a: &Self::Value) -> Result<Self::Value>;

    /// Divides by the top prime: one level down, scale divided by `q_l`.
    ///
    /// # Errors
    /// Level exhausted.
    fn rescale(&self, a: &Self::Value) -> Result<Self::Value>;

    /// Drops to a lower `level`, keeping the scale.
    ///
    /// # Errors
    /// A higher level.
    fn drop_level(&self, a: &Self::Value, level: usize) -> Result<Self::Value>;

    /// Brings `a` down to `level` at that level's nominal scale (so it can be added to values
    /// computed there); a value already at `level` is returned as it is.
    ///
    /// # Errors
    /// A higher level.
    fn align_to_level(&self, a: &Self::Value, level: usize) -> Result<Self::Value>;

    /// Rotates the slots left by `step` (right for negative `step`).
    ///
    /// # Errors
    /// A three-component value, a missing rotation key.
    fn rotate(&self, a: &Self::Value, step: i64) -> Result<Self::Value>;

    /// Complex conjugation of every slot.
    ///
    /// # Errors
    /// A three-component value, a missing conjugation key.
    fn conjugate(&self, a: &Self::Value) -> Result<Self::Value>;

    /// `i a`: every slot times the imaginary unit. On ciphertexts, the product with the
    /// monomial `X^(N/2)` (which evaluates to `i` at every slot's root): exact, with no level,
    /// no scale change and no key. With [`CkksEvaluator::conjugate`] it packs two real vectors
    /// into one (`a + i b`) and unpacks them again (`(z + conj z) / 2`, `-i (z - conj z) / 2`).
    ///
    /// # Errors
    /// [`CkksError::ContextMismatch`](crate::CkksError) for a value of other parameters.
    fn mul_i(&self, a: &Self::Value) -> Result<Self::Value>;

    /// Refreshes `a` (two components, any level; a level-0 value at level 0's nominal scale):
    /// the result is at the plan's output level ([`BootstrapModel::output_level`]) and its
    /// nominal scale, with the same slots up to the bootstrapping error (for a plan of `n < N/2`
    /// slots, the average of the `N/2n` copies: the same slots when they repeat with period
    /// `n`). See [`crate::boot`] for the precision contract.
    ///
    /// # Errors
    /// [`CkksError::BootstrapUnavailable`](crate::CkksError) when the evaluator has no plan or
    /// bootstrapper; [`CkksError::NeedsRelinearization`](crate::CkksError),
    /// [`CkksError::BootstrapScale`](crate::CkksError); missing keys where the evaluator models
    /// them; for the plaintext evaluator, [`CkksError::BootstrapRange`](crate::CkksError) for a
    /// slot beyond the range the approximation covers.
    fn bootstrap(&self, a: &Self::Value) -> Result<Self::Value>;

    /// The bootstrapping procedure this evaluator follows, if it can bootstrap (a
    /// [`BootstrapPlan`](crate::boot::BootstrapPlan) behind the [`BootstrapModel`] trait).
    fn bootstrap_plan(&self) -> Option<&dyn BootstrapModel> {
        None
    }

    /// Several rotations of one value (hoisted where the implementation can share work).
    ///
    /// # Errors
    /// As [`CkksEvaluator::rotate`].
    fn rotate_hoisted(&self, a: &Self::Value, steps: &[i64]) -> Result<Vec<Self::Value>> {
        steps.iter().map(|&s| self.rotate(a, s)).collect()
    }

    // ----- provided ----------------------------------------------------------------------

    /// The number of slots, `N/2`.
    fn slots(&self) -> usize {
        self.chain().slots()
    }

    /// The top level.
    fn max_level(&self) -> usize {
        self.chain().max_level()
    }

    /// The nominal scale of `level`.
    ///
    /// # Panics
    /// If `level` is above the top level.
    fn nominal_scale(&self, level: usize) -> f64 {
        self.chain().scale(level)
    }

    /// The level of a value.
    fn level(&self, v: &Self::Value) -> usize {
        self.meta(v).level
    }

    /// The scale of a value.
    fn scale(&self, v: &Self::Value) -> f64 {
        self.meta(v).scale
    }

    /// Encrypts real `values` at `level` and its nominal scale.
    ///
    /// # Errors
    /// As [`CkksEvaluator::encrypt_complex`].
    fn encrypt(&self, values: &[f64], level: usize) -> Result<Self::Value> {
        self.encrypt_complex(&to_complex(values), level)
    }

    /// Encodes real `values` at `level` and its nominal scale.
    ///
    /// # Errors
    /// As [`CkksEvaluator::encode_complex`].
    fn encode(&self, values: &[f64], level: usize) -> Result<Self::Plain> {
        self.chain().check_level(level)?;
        self.encode_complex(&to_complex(values), level, self.nominal_scale(level))
    }

    /// Encodes real `values` at `level` and an explicit `scale`.
    ///
    /// # Errors
    /// As [`CkksEvaluator::encode_complex`].
    fn encode_with_scale(&self, values: &[f64], level: usize, scale: f64) -> Result<Self::Plain> {
        self.encode_complex(&to_complex(values), level, scale)
    }

    /// `a * b`, relinearized.
    ///
    /// # Errors
    /// As [`CkksEvaluator::mul`] and [`CkksEvaluator::relinearize`].
    fn mul_relin(&self, a: &Self::Value, b: &Self::Value) -> Result<Self::Value> {
        self.relinearize(&self.mul(a, b)?)
    }

    /// `a * a`, relinearized.
    ///
    /// # Errors
    /// As [`CkksEvaluator::square`] and [`CkksEvaluator::relinearize`].
    fn square_relin(&self, a: &Self::Value) -> Result<Self::Value> {
        self.relinearize(&self.square(a)?)
    }

    /// `a * b`, relinearized and rescaled: one level.
    ///
    /// # Errors
    /// As [`CkksEvaluator::mul_relin`] and [`CkksEvaluator::rescale`].
    fn mul_rescale(&self, a: &Self::Value, b: &Self::Value) -> Result<Self::Value> {
        self.rescale(&self.mul_relin(a, b)?)
    }

    /// `a += b`.
    ///
    /// # Errors
    /// As [`CkksEvaluator::add`].
    fn add_assign(&self, a: &mut Self::Value, b: &Self::Value) -> Result<()> {
        *a = self.add(a, b)?;
        Ok(())
    }

    /// `a -= b`.
    ///
    /// # Errors
    /// As [`CkksEvaluator::sub`].
    fn sub_assign(&self, a: &mut Self::Value, b: &Self::Value) -> Result<()> {
        *a = self.sub(a, b)?;
        Ok(())
    }

    /// `acc += a * c` with `c` encoded at `scale`, `a` taken at `acc`'s level (a term of a
    /// linear combination with constants, such as bootstrapping's polynomial evaluation). By
    /// default a level drop, [`CkksEvaluator::mul_const_at_scale`] and
    /// [`CkksEvaluator::add_assign`], so observers see those; the homomorphic evaluator fuses
    /// them into one pass with the same result ([`crate::scheme::rules::mul_const_add`]).
    ///
    /// # Errors
    /// As the three operations: `a` below `acc`'s level, encoding overflow, a scale mismatch.
    fn mul_const_add_assign(
        &self,
        acc: &mut Self::Value,
        a: &Self::Value,
        c: f64,
        scale: f64,
    ) -> Result<()> {
        let level = self.level(acc);
        // A drop to a higher level is the error of the rule.
        let y = if self.level(a) != level {
            self.mul_const_at_scale(&self.drop_level(a, level)?, c, scale)?
        } else {
            self.mul_const_at_scale(a, c, scale)?
        };
        self.add_assign(acc, &y)
    }

    /// The sum of `values` (at least one), added left to right.
    ///
    /// # Errors
    /// As [`CkksEvaluator::add`]; [`CkksError::EmptySum`](crate::CkksError::EmptySum) for an
    /// empty slice.
    fn sum(&self, values: &[Self::Value]) -> Result<Self::Value> {
        let (first, rest) = values.split_first().ok_or(crate::CkksError::EmptySum)?;
        let mut acc = first.clone();
        for v in rest {
            self.add_assign(&mut acc, v)?;
        }
        Ok(acc)
    }
}

pub(crate) fn to_complex(values: &[f64]) -> Vec<Complex64> {
    values.iter().map(|&v| Complex64::new(v, 0.0)).collect()
}
