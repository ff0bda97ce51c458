//! The crate's error type: every precondition of the scheme, with the numbers involved and what
//! to do about it.

use thiserror::Error;

mod parameters;
pub use parameters::{ParameterFault, PrimeRole, RingRefusal};

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, CkksError>;

/// Everything that can go wrong when building parameters or evaluating.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum CkksError {
    /// A parameter is outside its supported range, or parameters do not fit each other or a
    /// circuit: which one, with its numbers, in the [`ParameterFault`].
    #[error("invalid parameters: {0}")]
    InvalidParameters(ParameterFault),

    /// The sum of an empty list of values (it has no level nor scale).
    #[error("the sum of no values is undefined")]
    EmptySum,

    /// A constant polynomial given to the homomorphic polynomial evaluator.
    #[error("a constant polynomial needs no homomorphic evaluation")]
    ConstantPolynomial,

    /// A circuit of a dependent crate failed with an error of its own (its message), where a
    /// [`Result`] of this crate is expected (as in [`crate::eval::Circuit::run`]).
    #[error("{0}")]
    Circuit(String),

    /// The modulus is too large for 128-bit security at this ring degree.
    #[error(
        "log2(QP) = {log_qp:.1} bits exceeds the HE standard's 128-bit bound of {max_bits} bits for \
         N = 2^{log_n} with a ternary secret: use fewer or smaller primes or a larger N (or, for \
         experiments only, Security::InsecureToyParameters)"
    )]
    InsecureParameters {
        /// log2 of the ring degree.
        log_n: u32,
        /// log2 of the whole modulus, special primes included.
        log_qp: f64,
        /// The bound from the HE standard's table.
        max_bits: u32,
    },

    /// The two operands belong to different parameter sets.
    #[error("operands belong to different parameter contexts (hash {left:#x} vs {right:#x})")]
    ContextMismatch {
        /// Parameter hash of the first operand.
        left: u64,
        /// Parameter hash of the second operand.
        right: u64,
    },

    /// The operands are at different levels.
    #[error("level mismatch: {left} vs {right}; drop the higher operand to level {} first (drop_level)", .left.min(.right))]
    LevelMismatch {
        /// Level of the first operand.
        left: usize,
        /// Level of the second operand.
        right: usize,
    },

    /// The operands have different scales.
    #[error(
        "scale mismatch at level {level}: 2^{left_log2:.4} vs 2^{right_log2:.4}; rescale the operand \
         with the larger scale, or encode the plaintext at the ciphertext's scale"
    )]
    ScaleMismatch {
        /// The level of both operands.
        level: usize,
        /// log2 of the first scale.
        left_log2: f64,
        /// log2 of the second scale.
        right_log2: f64,
    },

    /// A degree-2 ciphertext (three components) where a degree-1 one is needed.
    #[error("the ciphertext has {components} components; relinearize it before {operation}")]
    NeedsRelinearization {
        /// Number of polynomial components.
        components: usize,
        /// The operation that was asked for.
        operation: &'static str,
    },

    /// Relinearization without a relinearization key.
    #[error("no relinearization key in the evaluation keys; generate one with SecretKey::relinearization_key")]
    MissingRelinearizationKey,

    /// A rotation whose Galois key was not generated.
    #[error("no Galois key for a rotation by {step} slots (Galois element {galois_element}); generate the Galois keys with step {step} included")]
    MissingRotationKey {
        /// The rotation step, normalised to `[0, slots)`.
        step: usize,
        /// The Galois element `5^step mod 2N`.
        galois_element: usize,
    },

    /// A rotation or conjugation above the level its Galois key was restricted to
    /// ([`crate::SecretKey::galois_keys_at`]).
    #[error("the Galois key of element {galois_element} serves levels up to {key_level}, the ciphertext is at level {level}; generate it for level {level} or rotate after rescaling")]
    GaloisKeyLevel {
        /// The Galois element.
        galois_element: usize,
        /// The highest level the key serves.
        key_level: usize,
        /// The level asked for.
        level: usize,
    },

    /// Conjugation without its Galois key.
    #[error(
        "no Galois key for complex conjugation; generate the Galois keys with conjugation enabled"
    )]
    MissingConjugationKey,

    /// Rescaling at level 0.
    #[error("level exhausted: a ciphertext at level 0 cannot be rescaled; use parameters with more levels or a shallower circuit")]
    LevelExhausted,

    /// A level outside the chain, or a drop to a higher level.
    #[error("invalid level {requested}: {reason}")]
    InvalidLevel {
        /// The level asked for.
        requested: usize,
        /// Why it is invalid.
        reason: String,
    },

    /// More values than slots.
    #[error("{given} values do not fit in {slots} slots")]
    TooManyValues {
        /// How many values were given.
        given: usize,
        /// How many slots there are.
        slots: usize,
    },

    /// A value that is not finite or too large for the modulus at the requested scale.
    #[error("cannot encode {value:e} at scale 2^{scale_log2:.2}: {reason}")]
    EncodingOverflow {
        /// The offending value.
        value: f64,
        /// log2 of the scale.
        scale_log2: f64,
        /// Why.
        reason: &'static str,
    },

    /// An evaluator asked to encrypt without a key to encrypt with (a server-side evaluator).
    #[error("this evaluator holds no encryption key: encrypt inputs on the client, or build the evaluator with a public key")]
    NoEncryptionKey,

    /// Serialized input that is truncated, corrupted or out of range.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being read.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },

    /// A serialized object of another kind than asked for.
    #[error("expected a serialized {expected}, found object kind {found}")]
    WrongKind {
        /// The kind asked for.
        expected: &'static str,
        /// The kind code in the header.
        found: u16,
    },

    /// A serialization format version this build cannot read.
    #[error("serialization format version {found} is not supported (this build reads version {supported})")]
    UnsupportedVersion {
        /// The version in the header.
        found: u16,
        /// The version this build reads.
        supported: u16,
    },

    /// The ephemeral sparse secret of bootstrapping falls outside its security claim.
    #[error(
        "sparse-secret encapsulation is claimed 128-bit secure only for N >= 2^16, Hamming weight \
         >= 32 and log2(q_0 p_0) <= 121 (Bossuat et al. 2022); got N = 2^{log_n}, h = \
         {hamming_weight}, log2(q_0 p_0) = {log_q0p0:.1}: use a smaller first or special prime, a \
         larger ring (or, for experiments only, Security::InsecureToyParameters)"
    )]
    InsecureBootstrapping {
        /// log2 of the ring degree.
        log_n: u32,
        /// The ephemeral secret's Hamming weight.
        hamming_weight: usize,
        /// log2 of the modulus of the key under the sparse secret.
        log_q0p0: f64,
    },

    /// Bootstrapping asked of an evaluator that has none configured (no bootstrapper, or a
    /// simulated evaluator without a bootstrapping plan).
    #[error("this evaluator cannot bootstrap: build it with a bootstrapper (HomomorphicEvaluator::with_bootstrapper) or a plan (with_bootstrap) for the simulated evaluators")]
    BootstrapUnavailable,

    /// A slot count bootstrapping cannot handle.
    #[error("cannot bootstrap {slots} slots: the slot count must be a power of two between 1 and N/2 = {max}")]
    BootstrapSlots {
        /// The slot count asked for.
        slots: usize,
        /// `N / 2`.
        max: usize,
    },

    /// The parameters do not have the levels bootstrapping needs.
    #[error("bootstrapping needs {needed} levels above the circuit's, the parameters have {available}: {reason}")]
    BootstrapLevels {
        /// Levels the bootstrapping plan consumes.
        needed: usize,
        /// Bootstrapping levels of the parameters.
        available: usize,
        /// What to do.
        reason: String,
    },

    /// A level-0 input whose scale is not the nominal scale bootstrapping expects.
    #[error(
        "bootstrapping a level-0 ciphertext needs the nominal scale 2^{expected_log2:.4}, found \
         2^{found_log2:.4}: bootstrap from a higher level (it is aligned to level 0 first) or \
         keep values at their levels' nominal scales"
    )]
    BootstrapScale {
        /// log2 of the input's scale.
        found_log2: f64,
        /// log2 of the nominal scale at level 0.
        expected_log2: f64,
    },

    /// A value outside the range the modular reduction's approximation covers.
    #[error("a slot of magnitude {value:e} lies outside the bootstrapping range |z| <= {bound}: scale the values down before bootstrapping")]
    BootstrapRange {
        /// The largest magnitude found.
        value: f64,
        /// The bound of the configuration.
        bound: f64,
    },
}
