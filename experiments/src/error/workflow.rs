//! The errors of the client/server workflow's files: values out of range, files that disagree
//! about their key set, round or place, outputs that would destroy something, secret keys
//! exposed or on the server.

use crate::workflow::envelope::Content;
use crate::workflow::identity::Id;
use circuits::CircuitError;
use std::path::PathBuf;
use thiserror::Error;

/// What can go wrong with the workflow's files.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum WorkflowError {
    // ----- one file's values -------------------------------------------------------------------
    /// A file's field out of the range the parameters allow, or contradicted by the rest.
    #[error("{}: {field}: {problem}", path.display())]
    InvalidField {
        /// The file.
        path: PathBuf,
        /// The field.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },

    /// A binary file whose envelope is malformed or damaged.
    #[error("{}: {problem}", path.display())]
    Envelope {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },

    // ----- two files that disagree -------------------------------------------------------------
    /// Files of two different keygens.
    #[error(
        "{} belongs to key set {found}, but {} to key set {expected}: files of two different \
         keygens do not mix",
        path.display(),
        reference.display()
    )]
    KeySetMismatch {
        /// The file read.
        path: PathBuf,
        /// Its key set.
        found: Id,
        /// The file that says which key set it must be.
        reference: PathBuf,
        /// That key set.
        expected: Id,
    },

    /// A file that holds something other than what its place calls for (a tile of another
    /// object, index, round, upload or model; a key of another kind).
    #[error("{} holds {found}, but {} calls for {expected} there", path.display(), reference.display())]
    Misplaced {
        /// The file read.
        path: PathBuf,
        /// What it holds.
        found: Box<Content>,
        /// The file that says what must be there.
        reference: PathBuf,
        /// What must be there.
        expected: Box<Content>,
    },

    /// An upload or model made under another plan than the reader's (other hyperparameters,
    /// widths or keys: the same key set, a plan edited since).
    #[error(
        "{} was made under another plan than {} (the hyperparameters, widths or keys differ): \
         training or decrypting it under this one would give another model",
        path.display(),
        reference.display()
    )]
    PlanDiffers {
        /// The manifest.
        path: PathBuf,
        /// The plan.
        reference: PathBuf,
    },

    /// A secret key that is not the one the client's plan was made with.
    #[error(
        "{} is not the secret key {} was made with (its key check differs): decrypting with it \
         would give noise, not numbers",
        path.display(),
        plan.display()
    )]
    WrongSecretKey {
        /// The key file.
        path: PathBuf,
        /// The plan.
        plan: PathBuf,
    },

    /// Decrypted values no model can have (the last line of defence against a wrong key or a
    /// damaged model, behind the identities).
    #[error(
        "{}: decrypted weight {index} is {value:e}, outside the {room:.3e} the parameters can \
         hold{}: a wrong secret key or a damaged model, not a result",
        path.display(),
        if *padding { " (and it is padding, which training leaves at zero)" } else { "" }
    )]
    Implausible {
        /// The model directory.
        path: PathBuf,
        /// The weight's index.
        index: usize,
        /// Its value.
        value: f64,
        /// The bound.
        room: f64,
        /// Whether it is a padding weight.
        padding: bool,
    },

    /// An upload or model that differs from what the circuit exchanges.
    #[error("{}: {source}", path.display())]
    Protocol {
        /// The manifest.
        path: PathBuf,
        /// How it differs.
        source: CircuitError,
    },

    /// A tile at another level than its manifest says.
    #[error("{}: at level {found}, the manifest says {expected}", path.display())]
    TileLevel {
        /// The tile's file.
        path: PathBuf,
        /// The manifest's level.
        expected: usize,
        /// The tile's.
        found: usize,
    },

    /// Inputs of another round than `train` was told to expect.
    #[error(
        "{}: the inputs are for round {round}: {}",
        path.display(),
        if *resume { "--resume needs a later round's inputs" } else { "pass --resume" }
    )]
    Round {
        /// The manifest.
        path: PathBuf,
        /// Its round.
        round: usize,
        /// Whether `--resume` was given.
        resume: bool,
    },

    // ----- outputs -----------------------------------------------------------------------------
    /// An output that is, or contains, one of the command's inputs (or another output).
    #[error(
        "{flag} {}: it would replace {}, which this command reads or writes as well",
        output.display(),
        input.display()
    )]
    OutputOverlaps {
        /// The output's flag.
        flag: &'static str,
        /// The output.
        output: PathBuf,
        /// The input (or other output) it would destroy.
        input: PathBuf,
    },

    /// An existing path that is not an earlier output of the same kind.
    #[error(
        "{} exists and is not {what} (it has no {marker}); refusing to replace it",
        path.display()
    )]
    NotAnOutput {
        /// The path.
        path: PathBuf,
        /// What the command writes ("an upload directory").
        what: &'static str,
        /// The file every such output has.
        marker: &'static str,
    },

    /// An existing key set that `keygen` would replace.
    #[error(
        "{} already holds a key set{}; models made under it could never be decrypted again. \
         Pass --force to replace it, or choose another directory",
        path.display(),
        key_set.map(|k| format!(" ({k})")).unwrap_or_default()
    )]
    KeySetExists {
        /// The directory.
        path: PathBuf,
        /// Its key set, where its plan names one.
        key_set: Option<Id>,
    },

    /// A directory holding a secret key, which no command but `keygen --force` replaces.
    #[error("{} holds a secret key; refusing to replace it", path.display())]
    SecretKeyInOutput {
        /// The key file.
        path: PathBuf,
    },

    // ----- secret keys -------------------------------------------------------------------------
    /// A secret key that others may read.
    #[error(
        "{}: a secret key with permissions {mode:03o}, readable by others: refusing to use it \
         (it may have been exposed; `chmod 600` it if that is not so)",
        path.display()
    )]
    SecretKeyExposed {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },

    /// A secret key where the server's files are.
    #[error(
        "refusing to train: {} is a secret key; the server must hold public material only",
        path.display()
    )]
    SecretKeyOnServer {
        /// The file.
        path: PathBuf,
    },

    /// The operating system's entropy source failed.
    #[error("the operating system's entropy source failed: {reason}")]
    Entropy {
        /// Its error.
        reason: String,
    },
}
