//! The circuits' error type.

use thiserror::Error;

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, CircuitError>;

/// What can go wrong when building or running a training circuit.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum CircuitError {
    /// Fewer samples than `minibatches x batch_size`.
    #[error(
        "{minibatches} minibatches of {batch_size} need {needed} samples; the data has {available}"
    )]
    NotEnoughData {
        /// Minibatches asked for.
        minibatches: usize,
        /// Rows per minibatch.
        batch_size: usize,
        /// `minibatches x batch_size`.
        needed: usize,
        /// Rows available.
        available: usize,
    },

    /// An object description that cannot be (an empty shape, a vector with several columns, a
    /// kind or tile count that does not match the rest).
    #[error("{name}: invalid object description: {reason}")]
    InvalidSpec {
        /// The object.
        name: crate::protocol::ObjectName,
        /// Why.
        reason: &'static str,
    },

    /// An object's description differs from the one the circuit expects.
    #[error("expected {expected}; found {found}")]
    SpecMismatch {
        /// What the circuit expects.
        expected: Box<crate::protocol::ObjectSpec>,
        /// What was given.
        found: Box<crate::protocol::ObjectSpec>,
    },

    /// A value of another kind or shape than its object's.
    #[error("{name}: a {kind:?} value does not fit the object (a {:?} of its shape is expected)", name.kind())]
    ValueMismatch {
        /// The object.
        name: crate::protocol::ObjectName,
        /// The kind of the value given.
        kind: linalg::Kind,
    },

    /// An object the circuit needs is missing.
    #[error("the object {name} is missing")]
    MissingObject {
        /// The object.
        name: crate::protocol::ObjectName,
    },

    /// An object the circuit does not use.
    #[error("the object {name} is not one this circuit uses")]
    UnexpectedObject {
        /// The object.
        name: crate::protocol::ObjectName,
    },

    /// A configuration value out of range, or inputs that do not fit the configuration: which,
    /// with its numbers, in the [`ConfigFault`].
    #[error("invalid configuration: {0}")]
    InvalidConfig(ConfigFault),

    /// From the linear-algebra toolkit.
    #[error(transparent)]
    Linalg(#[from] linalg::LinalgError),
}

/// What is wrong with a configuration or with inputs given to it.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum ConfigFault {
    /// No minibatch or an empty one.
    #[error("batch_size and minibatches must be positive")]
    EmptyBatches,
    /// A learning-rate parameter that is not finite.
    #[error("gamma and a0 must be finite")]
    NonFiniteRate,
    /// A state `(w_0, v_0)` of the wrong length.
    #[error("the initial state has {w} and {v} weights for {features} features")]
    StateLength {
        /// Length of `w_0`.
        w: usize,
        /// Length of `v_0`.
        v: usize,
        /// The number of features.
        features: usize,
    },
    /// Targets or weights that do not fit the design matrix.
    #[error("{targets} targets and {weights} weights for a {rows}x{cols} design matrix")]
    DesignShape {
        /// Length of `y`.
        targets: usize,
        /// Length of `w_0`.
        weights: usize,
        /// Rows of the design matrix.
        rows: usize,
        /// Columns of the design matrix.
        cols: usize,
    },
    /// Inputs starting below the levels the circuit needs.
    #[error("the baseline needs {needed} levels, the inputs start at level {top}")]
    TooFewLevels {
        /// Levels the circuit needs.
        needed: usize,
        /// The inputs' level.
        top: usize,
    },
    /// A Nesterov weight that makes the update divide by zero.
    #[error("eta_{index} = {eta} is too close to 1")]
    EtaNearOne {
        /// Which `eta`.
        index: usize,
        /// Its value.
        eta: f64,
    },
    /// More features than one row of slots holds.
    #[error("{features} features do not fit {slots} slots")]
    TooManyFeatures {
        /// The number of features.
        features: usize,
        /// The slot count.
        slots: usize,
    },
    /// No encoding unit fits the slots.
    #[error("no encoding unit on {slots} slots")]
    NoEncodingUnit {
        /// The slot count.
        slots: usize,
    },
    /// A sigmoid the low-depth schedule is not built for.
    #[error("the low-depth schedule is built for the cubic sigmoid, not degree {degree}")]
    SigmoidDegree {
        /// The sigmoid's degree.
        degree: usize,
    },
    /// A resumed run without its state, or a fresh one with a state.
    #[error("a resumed low-depth run needs its state, a fresh one none (resumed: {resumed})")]
    ResumedState {
        /// Whether the run resumes.
        resumed: bool,
    },
    /// An internal inconsistency of the low-depth recurrence.
    #[error("internal: the newest gradient is in the wrong layout")]
    GradientLayout,
    /// A circuit name that is not one of the circuits.
    #[error("unknown circuit {name:?} (baseline, lowdepth)")]
    UnknownCircuit {
        /// The name given.
        name: String,
    },
    /// Inputs made for the other circuit.
    #[error("inputs of the other circuit given to the {circuit} circuit")]
    OtherCircuitInputs {
        /// The circuit that received them.
        circuit: &'static str,
    },
    /// A nonzero even coefficient beyond `c_0` in an odd polynomial.
    #[error("only c_0 and odd coefficients may be nonzero")]
    EvenCoefficient,
    /// A model with neither part.
    #[error("an empty model")]
    EmptyModel,
    /// Epoch training that does not start at iteration 0.
    #[error("epoch training starts at iteration 0, not {start}")]
    EpochStart {
        /// The start iteration given.
        start: usize,
    },
    /// A state bound that is odd or below 2.
    #[error("the state bound sigma must be an even integer of at least 2, not {bound}")]
    StateBound {
        /// The bound given.
        bound: u32,
    },
    /// Fewer levels between bootstraps than one minibatch and the state's crossing take.
    #[error("one round of one minibatch needs {needed} levels between bootstraps, {levels} given")]
    RoundTooShallow {
        /// Levels a round of one minibatch needs.
        needed: usize,
        /// Levels after a bootstrap.
        levels: usize,
    },
    /// A round's state that is missing or of the wrong shape.
    #[error("round {round}: {what}")]
    RoundState {
        /// The round.
        round: usize,
        /// What is wrong.
        what: &'static str,
    },
}

impl From<ConfigFault> for CircuitError {
    fn from(f: ConfigFault) -> Self {
        Self::InvalidConfig(f)
    }
}

impl From<ckks::CkksError> for CircuitError {
    fn from(e: ckks::CkksError) -> Self {
        Self::Linalg(e.into())
    }
}
