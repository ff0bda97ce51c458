//! The one error type of the experiments: every failure of the datasets, the reproduction and
//! the client/server workflow, each naming the file (and the row, column or field) it is about.
//! The workflow's file errors are their own enum, [`WorkflowError`] (in `workflow.rs`).

use circuits::CircuitError;
use std::path::PathBuf;
use thiserror::Error;

mod workflow;
pub use workflow::WorkflowError;

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// A place in a table: the file, the data row (1-based, the header excluded), the line of the
/// file where it has one (CSV), and the column (1-based) with its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub path: PathBuf,
    /// The data row, from 1.
    pub row: usize,
    /// The line in the file, from 1 (CSV only).
    pub line: Option<u64>,
    /// The column, from 1.
    pub column: usize,
    /// The column's name (a CSV header's, `x<j>` for a NumPy array's column `j`).
    pub name: String,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: row {}", self.path.display(), self.row)?;
        if let Some(line) = self.line {
            write!(f, " (line {line})")?;
        }
        write!(f, ", column {} ({:?})", self.column, self.name)
    }
}

fn list(values: &[String]) -> String {
    values.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(", ")
}

/// What can go wrong in the experiments.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    // ----- files -------------------------------------------------------------------------------
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },

    /// A file larger than it may be (checked before reading it).
    #[error("{}: {size} bytes, more than the {limit} it may have", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The bound.
        limit: u64,
    },

    /// A JSON file that does not parse or does not have the expected fields.
    #[error("{}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error (it names the line and column, and the field).
        source: serde_json::Error,
    },

    /// A binary object (parameters, key, ciphertext) that the scheme refuses.
    #[error("{}: {source}", path.display())]
    Object {
        /// The file.
        path: PathBuf,
        /// The scheme's error.
        source: ckks::CkksError,
    },

    // ----- MNIST -------------------------------------------------------------------------------
    /// No directory holds the MNIST files.
    #[error(
        "no MNIST directory found (tried {tried}); pass --data DIR or set MNIST_DIR to a directory \
         holding train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], \
         t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] (from \
         http://yann.lecun.com/exdb/mnist/ or any mirror)"
    )]
    MnistNotFound {
        /// The directories tried.
        tried: String,
    },

    /// Not an IDX file of the expected kind.
    #[error("{}: magic number {found:#010x}, expected {expected:#010x} ({what})", path.display())]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// What was read.
        found: u32,
        /// What was expected.
        expected: u32,
        /// The kind of file expected.
        what: &'static str,
    },

    /// An IDX header whose counts do not match the file's length.
    #[error(
        "{}: the header announces {expected} bytes of data, the file has {actual}",
        path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Bytes announced.
        expected: usize,
        /// Bytes present.
        actual: usize,
    },

    /// Image dimensions outside 1..=1024, or a count that overflows.
    #[error("{}: {count} images of {rows} x {cols} pixels", path.display())]
    ImageSize {
        /// The file.
        path: PathBuf,
        /// Images announced.
        count: usize,
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
    },

    /// A label that is not a digit.
    #[error("{}: label {label} of image {index} is not a digit", path.display())]
    NotADigit {
        /// The file.
        path: PathBuf,
        /// The image's index (from 0).
        index: usize,
        /// The label.
        label: u8,
    },

    /// A digit asked for with no image in the file.
    #[error("{}: no image of the digit {digit}", path.display())]
    DigitAbsent {
        /// The labels' file.
        path: PathBuf,
        /// The digit.
        digit: u8,
    },

    /// A gzipped file larger than its bound once decompressed.
    #[error("{}: more than {limit} bytes after decompression", path.display())]
    Decompressed {
        /// The file.
        path: PathBuf,
        /// The bound.
        limit: usize,
    },

    /// Images and labels of different counts.
    #[error("{} has {images} images but {} has {labels} labels", images_path.display(), labels_path.display())]
    CountMismatch {
        /// The images' file.
        images_path: PathBuf,
        /// The labels' file.
        labels_path: PathBuf,
        /// Images.
        images: usize,
        /// Labels.
        labels: usize,
    },

    // ----- tables ------------------------------------------------------------------------------
    /// A CSV file the reader cannot parse (invalid UTF-8, an unclosed quote).
    #[error("{}: {source}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The reader's error (with its position).
        source: csv::Error,
    },

    /// A cell that is not a number.
    #[error("{at}: {value:?} is not a number")]
    NotNumeric {
        /// Where.
        at: Box<Location>,
        /// The cell.
        value: String,
    },

    /// An empty cell.
    #[error("{at}: missing value")]
    MissingValue {
        /// Where.
        at: Box<Location>,
    },

    /// NaN or an infinity.
    #[error("{at}: {value} is not a finite number")]
    NotFinite {
        /// Where.
        at: Box<Location>,
        /// The value read.
        value: f64,
    },

    /// A row with more or fewer cells than the header.
    #[error("{at}: the row has {found} cells, the header {expected}")]
    Ragged {
        /// The first missing (or first extra) cell.
        at: Box<Location>,
        /// Cells in the header.
        expected: usize,
        /// Cells in the row.
        found: usize,
    },

    /// A table with more rows or values than are read.
    #[error(
        "{}: {rows} rows and {values} values so far, more than the {max_rows} rows and \
         {max_values} values a table may have",
        path.display()
    )]
    TableTooLarge {
        /// The file.
        path: PathBuf,
        /// Rows (so far).
        rows: usize,
        /// Feature values (so far).
        values: usize,
        /// The bound on rows.
        max_rows: usize,
        /// The bound on values.
        max_values: usize,
    },

    /// A file with no data rows.
    #[error("{}: no data rows", path.display())]
    NoRows {
        /// The file.
        path: PathBuf,
    },

    /// A column named on the command line that the file does not have.
    #[error("{}: no column {name:?} (the columns are {})", path.display(), list(available))]
    UnknownColumn {
        /// The file.
        path: PathBuf,
        /// The name asked for.
        name: String,
        /// The file's columns.
        available: Vec<String>,
    },

    /// A column named twice in the header (or in `--features`).
    #[error("{}: the column {name:?} appears twice", path.display())]
    DuplicateColumn {
        /// The file.
        path: PathBuf,
        /// The name.
        name: String,
    },

    /// A label column with a third distinct value.
    #[error(
        "{at}: a third label {value:?} (after {}); a binary label needs exactly two values",
        list(seen)
    )]
    ThirdLabel {
        /// The first row with the third value.
        at: Box<Location>,
        /// The value.
        value: String,
        /// The two values before it.
        seen: Vec<String>,
    },

    /// A label column with a single value.
    #[error(
        "{}: column {column} ({name:?}): all {rows} rows have the label {value:?}; a binary label \
         needs exactly two values",
        path.display()
    )]
    OneLabel {
        /// The file.
        path: PathBuf,
        /// The column (from 1).
        column: usize,
        /// Its name.
        name: String,
        /// Rows.
        rows: usize,
        /// The one value.
        value: String,
    },

    /// `--positive` names neither label value.
    #[error(
        "{}: column {name:?}: --positive {positive:?} is not one of its labels {}",
        path.display(),
        list(values)
    )]
    UnknownPositive {
        /// The file.
        path: PathBuf,
        /// The label column.
        name: String,
        /// What was asked.
        positive: String,
        /// The labels.
        values: Vec<String>,
    },

    /// Labels other than {0, 1} or {-1, 1} and no `--positive`.
    #[error(
        "{}: column {name:?} has the labels {}: name the positive class with --positive",
        path.display(),
        list(values)
    )]
    PositiveNeeded {
        /// The file.
        path: PathBuf,
        /// The label column.
        name: String,
        /// The labels.
        values: Vec<String>,
    },

    /// A test row whose label is neither class of the training set.
    #[error("{at}: the label {value:?} is not one of the training labels {}", list(classes))]
    UnseenLabel {
        /// Where.
        at: Box<Location>,
        /// The label.
        value: String,
        /// The training set's two labels.
        classes: Vec<String>,
    },

    /// More features than one ciphertext row of the parameters holds.
    #[error(
        "{}: column {column} ({name:?}) is feature {feature}: with the bias, at most {max} features \
         fit the {slots} slots of these parameters",
        path.display()
    )]
    TooManyFeatures {
        /// The file.
        path: PathBuf,
        /// The first column that does not fit (from 1).
        column: usize,
        /// Its name.
        name: String,
        /// Its index among the features (from 1).
        feature: usize,
        /// Features that fit.
        max: usize,
        /// Slots of the largest ring allowed.
        slots: usize,
    },

    /// A NumPy file that cannot be read (bad header, truncated data).
    #[error("{}: {source}", path.display())]
    Npy {
        /// The file (or `archive.npz/array.npy`).
        path: PathBuf,
        /// The reader's error.
        source: std::io::Error,
    },

    /// A NumPy array of an unusable shape or type.
    #[error("{}: an array of shape {shape:?} and type {dtype}; expected {expected}", path.display())]
    NpyArray {
        /// The file (or `archive.npz/array.npy`).
        path: PathBuf,
        /// Its shape.
        shape: Vec<u64>,
        /// Its type, as NumPy writes it.
        dtype: String,
        /// What was expected.
        expected: &'static str,
    },

    /// An `.npz` archive without the array asked for.
    #[error("{}: no array {name:?} (the archive holds {})", path.display(), list(available))]
    NpzArray {
        /// The archive.
        path: PathBuf,
        /// The array asked for.
        name: String,
        /// The arrays present.
        available: Vec<String>,
    },

    /// An `.npz` archive that is not a valid zip file.
    #[error("{}: {source}", path.display())]
    Zip {
        /// The archive.
        path: PathBuf,
        /// The error.
        source: zip::result::ZipError,
    },

    /// Features and labels of different lengths.
    #[error("{} has {features} rows but {} has {labels} labels", features_path.display(), labels_path.display())]
    LabelCount {
        /// The features' file.
        features_path: PathBuf,
        /// The labels' file.
        labels_path: PathBuf,
        /// Feature rows.
        features: usize,
        /// Labels.
        labels: usize,
    },

    /// Fewer training rows than a round needs.
    #[error(
        "{source_name}: round {round} needs training rows {first}..{end}; the training set has {available}"
    )]
    NotEnoughRows {
        /// The dataset.
        source_name: String,
        /// The round.
        round: usize,
        /// First row needed (from 0).
        first: usize,
        /// One past the last.
        end: usize,
        /// Rows available.
        available: usize,
    },

    // ----- options and plans ---------------------------------------------------------------------
    /// A command-line value out of range.
    #[error("{flag} {value}: expected {expected}")]
    InvalidOption {
        /// The flag.
        flag: &'static str,
        /// The value given.
        value: String,
        /// What it must be.
        expected: &'static str,
    },

    /// A value given on the command line (or found in the data) that differs from the plan's.
    #[error("{}: {field} is {planned}, but {given} was given", path.display())]
    PlanMismatch {
        /// The plan file.
        path: PathBuf,
        /// The field.
        field: &'static str,
        /// The plan's value.
        planned: String,
        /// The other value.
        given: String,
    },

    // ----- the workflow's files ---------------------------------------------------------------
    /// The workflow's files (see [`WorkflowError`]).
    #[error(transparent)]
    Workflow(#[from] WorkflowError),

    // ----- the layers below --------------------------------------------------------------------
    /// From the scheme.
    #[error(transparent)]
    Ckks(#[from] ckks::CkksError),

    /// From the circuits.
    #[error(transparent)]
    Circuit(#[from] CircuitError),

    /// From the linear-algebra toolkit.
    #[error(transparent)]
    Linalg(#[from] linalg::LinalgError),

    /// The thread pool could not be set up.
    #[error("--threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
}

impl Error {
    /// An I/O error about `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}
