//! The parameter faults behind [`CkksError::InvalidParameters`](super::CkksError): each with
//! the numbers involved and what to do about it.

use thiserror::Error;

/// The role of a prime in the chain (for messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrimeRole {
    /// `q_0`, which holds the message after the last rescale.
    First,
    /// A data prime `q_1 .. q_L`, consumed by a rescale.
    Data,
    /// A prime of the bootstrapping levels.
    Bootstrapping,
    /// A special prime `p_j`, used inside key switching only.
    Special,
}

impl std::fmt::Display for PrimeRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PrimeRole::First => "first",
            PrimeRole::Data => "data",
            PrimeRole::Bootstrapping => "bootstrapping",
            PrimeRole::Special => "special",
        })
    }
}

/// Why a parameter set is refused, or does not fit what it is asked to hold.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum ParameterFault {
    /// `log2 N` outside the supported range.
    #[error("log_n = {log_n} is outside the supported range {min}..={max}")]
    LogN {
        /// The value given.
        log_n: u32,
        /// The smallest supported (lower with insecure toy parameters).
        min: u32,
        /// The largest supported.
        max: u32,
    },
    /// A prime width outside the supported range.
    #[error("a {role} prime of {bits} bits is outside {min}..={max} bits")]
    PrimeBits {
        /// Which prime.
        role: PrimeRole,
        /// Its width.
        bits: u32,
        /// The smallest width (at least `log2 N + 2`).
        min: u32,
        /// The largest width.
        max: u32,
    },
    /// More primes than supported.
    #[error("{count} primes in all; at most {max} are supported")]
    TooManyPrimes {
        /// Ciphertext and special primes together.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// No special prime.
    #[error("at least one special prime is needed for key switching")]
    NoSpecialPrime,
    /// A scale the first prime cannot hold.
    #[error(
        "log_scale = {log_scale} must be at least 10 and below the first prime's {first_prime_bits} \
         bits, which must hold the message after the last rescale"
    )]
    LogScale {
        /// `log2` of the scale.
        log_scale: u32,
        /// The first prime's width.
        first_prime_bits: u32,
    },
    /// A data prime too far from the scale.
    #[error(
        "a data prime of {bits} bits is more than 8 bits away from log_scale = {log_scale}: \
         rescaling by it would move the scale far from 2^log_scale"
    )]
    DataPrimeFarFromScale {
        /// The data prime's width.
        bits: u32,
        /// `log2` of the scale.
        log_scale: u32,
    },
    /// A digit count outside `1 ..= L + 1`.
    #[error("dnum = {dnum} must be between 1 and the number of ciphertext primes ({primes})")]
    Dnum {
        /// The digit count given.
        dnum: usize,
        /// The number of ciphertext primes.
        primes: usize,
    },
    /// The special primes are too small for the largest key-switching digit.
    #[error(
        "the special primes give log2 P = {log_p:.2} bits, more than one bit below the largest \
         key-switching digit ({max_digit_bits:.2} bits with dnum = {dnum}): add special primes or \
         raise dnum"
    )]
    SpecialPrimesTooSmall {
        /// `log2 P`.
        log_p: f64,
        /// The largest digit's width in bits.
        max_digit_bits: f64,
        /// The digit count.
        dnum: usize,
    },
    /// Not enough NTT primes of a width for the ring.
    #[error("not enough {bits}-bit primes = 1 mod 2N for the {role} primes at N = {n}")]
    NotEnoughPrimes {
        /// Which primes.
        role: PrimeRole,
        /// Their width.
        bits: u32,
        /// The ring degree.
        n: usize,
    },
    /// An analysis chain outside its ranges.
    #[error(
        "an analysis chain needs 3 <= log_n <= 17, 20 <= log_scale <= 50 and at most 1000 levels \
         (got {log_n}, {log_scale}, {levels})"
    )]
    AnalysisChain {
        /// `log2 N` given.
        log_n: u32,
        /// `log2` of the scale given.
        log_scale: u32,
        /// Levels given.
        levels: usize,
    },
    /// A Hamming weight outside `1 ..= N`.
    #[error("the ephemeral secret's Hamming weight must be in 1..={n} (got {weight})")]
    HammingWeight {
        /// The weight given.
        weight: usize,
        /// The ring degree.
        n: usize,
    },
    /// `q_0` too small for bootstrapping's message ratio.
    #[error(
        "q_0 / (scale at level 0) = 2^{ratio_log2:.1} leaves no room for messages up to \
         {input_bound}: use a larger first prime"
    )]
    FirstPrimeTooSmall {
        /// `log2 (q_0 / (scale_up s_0))`.
        ratio_log2: f64,
        /// The configuration's input bound.
        input_bound: f64,
    },
    /// SlotsToCoeffs cannot reach the output scale with its primes.
    #[error(
        "SlotsToCoeffs cannot go from scale 2^{from_log2:.1} to 2^{to_log2:.1} with its primes"
    )]
    SlotsToCoeffsScale {
        /// `log2` of the scale it starts at.
        from_log2: f64,
        /// `log2` of the scale it must reach.
        to_log2: f64,
    },
    /// SlotsToCoeffs given the wrong number of parts.
    #[error("SlotsToCoeffs takes one value for sparse slots and two for full slots (got {given})")]
    SlotsToCoeffsParts {
        /// The number of values given.
        given: usize,
    },
    /// A bootstrapping plan used with another parameter set.
    #[error("the bootstrapping plan was made for another parameter set")]
    PlanMismatch,
    /// No digit count fits the security bound.
    #[error(
        "no digit count fits {q_bits} bits of ciphertext modulus under the bound of {bound} bits \
         at N = 2^{log_n}: use fewer circuit levels or a larger ring"
    )]
    NoDigitCount {
        /// Bits of the ciphertext modulus.
        q_bits: u32,
        /// The bound on `log2 QP`.
        bound: f64,
        /// `log2 N`.
        log_n: u32,
    },
    /// A circuit whose values are too large for any scale.
    #[error(
        "the circuit's values (up to {max_magnitude:.3e}) do not fit a {first_prime_bits}-bit \
         first prime even at scale 2^{min_log_scale}"
    )]
    ValuesTooLarge {
        /// The largest magnitude the circuit reaches.
        max_magnitude: f64,
        /// The widest first prime allowed.
        first_prime_bits: u32,
        /// The smallest scale allowed.
        min_log_scale: u32,
    },
    /// A circuit whose depth depends on the chain's top level.
    #[error(
        "the circuit has depth {analysis} on the analysis chain but {chosen} on the chosen one: \
         it must address levels relative to max_level()"
    )]
    DepthMismatch {
        /// Depth on the analysis chain.
        analysis: usize,
        /// Depth on the chosen chain.
        chosen: usize,
    },
    /// No ring up to the largest allowed fits a circuit.
    #[error("no parameters up to N = 2^{max_log_n} fit the circuit: {reason}")]
    NoRingFits {
        /// The largest `log2 N` tried.
        max_log_n: u32,
        /// Why the last ring tried was refused.
        reason: RingRefusal,
    },
}

/// Why automatic parameter selection refused a ring degree.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum RingRefusal {
    /// The range of ring degrees was empty.
    #[error("no ring degree in range")]
    EmptyRange,
    /// Bootstrapping's ephemeral secret is not claimed secure at this ring degree.
    #[error("bootstrapping's ephemeral secret is claimed secure from N = 2^{min_log_n} on")]
    EphemeralSecret {
        /// The smallest `log2 N` of the claim.
        min_log_n: u32,
    },
    /// The circuit needs more slots than the ring has.
    #[error("the circuit needs {given} slots, N = 2^{log_n} has {slots}")]
    TooFewSlots {
        /// `log2 N`.
        log_n: u32,
        /// Slots the circuit needs.
        given: usize,
        /// Slots of the ring.
        slots: usize,
    },
    /// The levels cannot fit the 128-bit bound even at the smallest scale.
    #[error("at N = 2^{log_n}, {levels} levels cannot fit the 128-bit bound")]
    Levels {
        /// `log2 N`.
        log_n: u32,
        /// The circuit's levels.
        levels: usize,
    },
    /// The levels at the chosen scale do not fit the 128-bit bound.
    #[error("at N = 2^{log_n}, {levels} levels of 2^{log_scale} do not fit the 128-bit bound")]
    ScaledLevels {
        /// `log2 N`.
        log_n: u32,
        /// The circuit's levels.
        levels: usize,
        /// `log2` of the scale.
        log_scale: u32,
    },
}
