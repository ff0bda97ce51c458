//! Datasets: where the samples come from (MNIST's IDX files, a CSV table, NumPy arrays), how
//! they are split and preprocessed into a binary problem with labels +1 / -1, and the record of
//! what was done ([`Preprocessing`]), which `reproduce` prints and `keygen` keeps in the
//! client's `plan.json`.
//!
//! - [`DataSpec`]: what was asked (source, split, shuffle, scaling); serialisable.
//! - [`load`]: reads the files ([`mnist`], `table` for CSV, `numpy` for `.npy` / `.npz`) into
//!   raw rows, then `prep` makes the problem: the two classes, the seeded split, the
//!   shuffle, the scaling fitted on the training set, the bias column and the padding.
//! - [`Dataset`]: the training and test [`Samples`] and the [`Preprocessing`] record.
//!
//! Every malformed input is a typed [`crate::Error`] naming the file, row and column. Every
//! read is bounded: a file's size is checked before it is read (MNIST's IDX files at 64 MiB
//! for images, 1 MiB for labels, after decompression too; CSV at 1 GiB; NumPy at 4 GiB), and
//! what it holds at [`MAX_VALUES`] feature values and [`MAX_ROWS`] rows before they are
//! stored.

pub mod mnist;
mod numpy;
mod prep;
mod table;

pub use prep::Preprocessing;

/// The most feature values a table may hold (1 GiB as `f64`).
pub const MAX_VALUES: usize = 1 << 27;
/// The most rows a table may hold.
pub const MAX_ROWS: usize = 1 << 24;

/// Refuses a table of `rows` rows holding `values` feature values so far.
fn check_table_size(path: &Path, rows: usize, values: usize) -> Result<()> {
    if rows > MAX_ROWS || values > MAX_VALUES {
        return Err(Error::TableTooLarge {
            path: path.into(),
            rows,
            values,
            max_rows: MAX_ROWS,
            max_values: MAX_VALUES,
        });
    }
    Ok(())
}

use crate::error::{Error, Location, Result};
use linalg::PlainMatrix;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where the samples come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Source {
    /// MNIST's IDX files: the training and test files of the directory, the images of two
    /// digits, in file order.
    Mnist {
        /// The directory (else `$MNIST_DIR`, `../shared/data/mnist`, `data/mnist`).
        dir: Option<PathBuf>,
        /// The positive digit, then the negative one.
        digits: [u8; 2],
    },
    /// A table: CSV with a header row, or NumPy (`.npy` with its labels in `<stem>.labels.npy`
    /// beside it, or an `.npz` archive), chosen by the file's extension.
    Table {
        /// The training file (or the whole table, for a seeded split).
        train: PathBuf,
        /// The test file.
        test: Option<PathBuf>,
        /// The label column (CSV, required) or array (`.npz`, default `y`).
        label: Option<String>,
        /// The positive class; optional when the labels are {0, 1} or {-1, 1}.
        positive: Option<String>,
        /// The feature columns (CSV; default: every column but the label).
        features: Option<Vec<String>>,
    },
}

/// How the test set is formed.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Split {
    /// From its own file (MNIST's `t10k` files, or `--test`).
    Files,
    /// A seeded random `fraction` of the rows; the rest, in file order, is the training set.
    Fraction {
        /// The share of rows held out.
        fraction: f64,
        /// The seed of the draw.
        seed: u64,
    },
}

/// How features are scaled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Scaling {
    /// HELR's: each feature divided by the largest absolute value it takes in the training
    /// set (1 for a feature that is always 0); the same divisors on the test set.
    MaxAbs,
    /// As read (MNIST's pixels are already divided by 255).
    None,
}

/// What was asked for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// The files.
    pub source: Source,
    /// The test set.
    pub split: Split,
    /// The seed of a shuffle of the training rows (`None`: file order).
    pub shuffle: Option<u64>,
    /// The scaling.
    pub scaling: Scaling,
}

impl DataSpec {
    /// MNIST `positive` vs `negative` from `dir`, HELR's preprocessing, in file order.
    pub fn mnist(dir: Option<PathBuf>, positive: u8, negative: u8) -> Self {
        Self {
            source: Source::Mnist { dir, digits: [positive, negative] },
            split: Split::Files,
            shuffle: None,
            scaling: Scaling::None,
        }
    }

    /// A short name of the data for messages.
    pub fn name(&self) -> String {
        match &self.source {
            Source::Mnist { digits, .. } => format!("MNIST {} vs {}", digits[0], digits[1]),
            Source::Table { train, .. } => train.display().to_string(),
        }
    }
}

/// Samples: rows `x_i` (bias first, then the features, zero padded) and labels `y_i` in
/// {-1, +1}.
#[derive(Clone, Debug)]
pub struct Samples {
    /// `n x width`.
    pub x: PlainMatrix,
    /// `n` labels.
    pub y: Vec<f64>,
}

impl Samples {
    /// Rows.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// The rows `z_i = y_i x_i` for `i` in `first .. first + n` (what the circuits train on).
    ///
    /// # Panics
    /// If the range is out of bounds (callers check with [`Dataset::round`]).
    pub fn z(&self, first: usize, n: usize) -> PlainMatrix {
        PlainMatrix::from_fn(n, self.x.cols(), |i, j| self.y[first + i] * self.x.get(first + i, j))
    }
}

/// A binary problem ready for training.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// What was asked.
    pub spec: DataSpec,
    /// The training set (in training order: file order, or shuffled).
    pub train: Samples,
    /// The test set (file order).
    pub test: Samples,
    /// What was done.
    pub prep: Preprocessing,
}

impl Dataset {
    /// The padded width (bias and features, rounded up to a power of two).
    pub fn width(&self) -> usize {
        self.prep.width
    }

    /// The rows `z_i` of round `round` of `n` rows each: training rows `round n .. (round + 1) n`.
    ///
    /// # Errors
    /// [`Error::NotEnoughRows`].
    pub fn round(&self, round: usize, n: usize) -> Result<PlainMatrix> {
        let first = round.checked_mul(n);
        let end = first.and_then(|f| f.checked_add(n));
        match (first, end) {
            (Some(first), Some(end)) if end <= self.train.len() && n > 0 => {
                Ok(self.train.z(first, n))
            }
            _ => Err(Error::NotEnoughRows {
                source_name: self.spec.name(),
                round,
                first: first.unwrap_or(usize::MAX),
                end: end.unwrap_or(usize::MAX),
                available: self.train.len(),
            }),
        }
    }

    /// The model's weights by name: `bias`, then the features (what `decrypt` writes).
    pub fn weight_names(&self) -> Vec<String> {
        std::iter::once("bias".to_string()).chain(self.prep.features.iter().cloned()).collect()
    }
}

/// Loads and preprocesses the data of `spec`; at most `slots - 1` features (one ciphertext
/// row of the largest ring the parameters may use, with the bias).
///
/// # Errors
/// Any data error (files, cells, labels, shapes), naming the file, row and column.
pub fn load(spec: &DataSpec, slots: usize) -> Result<Dataset> {
    let (train, test, classes) = match &spec.source {
        Source::Mnist { dir, digits } => {
            if spec.split != Split::Files {
                return Err(Error::InvalidOption {
                    flag: "--test-fraction",
                    value: "(with MNIST)".into(),
                    expected: "a table: MNIST has its own test files",
                });
            }
            let (train, test) = mnist::raw(dir.as_deref(), *digits)?;
            let classes = digits.map(|d| d.to_string());
            (train, Some(test), prep::Classes::Given(classes))
        }
        Source::Table { train, test, label, positive, features } => {
            let read = |path: &Path| read_table(path, label.as_deref(), features.as_deref());
            let raw_train = read(train)?;
            let raw_test = test.as_deref().map(read).transpose()?;
            (raw_train, raw_test, prep::Classes::Found { positive: positive.clone() })
        }
    };
    prep::prepare(spec, train, test, classes, slots)
}

/// Arrays held in memory (the Python package's estimator): `rows x cols` features
/// (row-major, `x.len() == rows * cols`) and one label per row, prepared as [`load`] prepares a
/// table (classes, scaling, bias, padding; no split: every row trains, and the test set is
/// the training set again: the caller scores on data of its own). Columns are named `x0`, `x1`, ... as in a NumPy file; `name` names the arrays in
/// messages. At most `slots - 1` features.
///
/// # Errors
/// [`Error::LabelCount`] for a shape mismatch, [`Error::NotFinite`] for NaN or infinity,
/// [`Error::NoRows`], and the label and feature errors of [`load`].
pub fn from_arrays(
    name: &str,
    (x, rows, cols): (Vec<f64>, usize, usize),
    labels: Vec<String>,
    positive: Option<String>,
    scaling: Scaling,
    slots: usize,
) -> Result<Dataset> {
    let path = PathBuf::from(name);
    if rows == 0 || cols == 0 {
        return Err(Error::NoRows { path });
    }
    if rows.checked_mul(cols) != Some(x.len()) || labels.len() != rows {
        return Err(Error::LabelCount {
            features_path: path.clone(),
            labels_path: path,
            features: x.len() / cols,
            labels: labels.len(),
        });
    }
    check_table_size(&path, rows, x.len())?;
    if let Some(k) = x.iter().position(|v| !v.is_finite()) {
        let at = Location {
            path: path.clone(),
            row: k / cols + 1,
            line: None,
            column: k % cols + 1,
            name: format!("x{}", k % cols),
        };
        return Err(Error::NotFinite { at: Box::new(at), value: x[k] });
    }
    let train = Raw {
        path: path.clone(),
        label_path: path.clone(),
        names: (0..cols).map(|j| format!("x{j}")).collect(),
        columns: (1..=cols).collect(),
        label_column: (1, "y".into()),
        x,
        labels,
        lines: None,
    };
    let test = train.clone();
    let spec = DataSpec {
        source: Source::Table {
            train: path,
            test: None,
            label: None,
            positive: positive.clone(),
            features: None,
        },
        split: Split::Files,
        shuffle: None,
        scaling,
    };
    prep::prepare(&spec, train, Some(test), prep::Classes::Found { positive }, slots)
}

/// A table by its extension: `.npy`, `.npz`, else CSV.
fn read_table(path: &Path, label: Option<&str>, features: Option<&[String]>) -> Result<Raw> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let no_features = || Error::InvalidOption {
        flag: "--features",
        value: path.display().to_string(),
        expected:
            "CSV columns by name (NumPy arrays have no column names: select columns in NumPy)",
    };
    match ext {
        "npy" | "npz" if features.is_some() => Err(no_features()),
        "npy" if label.is_some() => Err(Error::InvalidOption {
            flag: "--label",
            value: label.unwrap_or_default().into(),
            expected:
                "a CSV column or an .npz array; an .npy file's labels are in <stem>.labels.npy",
        }),
        "npy" => numpy::read_npy(path),
        "npz" => numpy::read_npz(path, label.unwrap_or("y")),
        _ => {
            let label = label.ok_or(Error::InvalidOption {
                flag: "--label",
                value: "(missing)".into(),
                expected: "the name of the CSV's label column",
            })?;
            table::read_csv(path, label, features)
        }
    }
}

/// Rows as read: features (row-major) and raw label values, with what errors need to name
/// places.
#[derive(Clone, Debug)]
struct Raw {
    /// The features' file.
    path: PathBuf,
    /// The labels' file (the same for CSV and `.npz`).
    label_path: PathBuf,
    /// Feature names.
    names: Vec<String>,
    /// The file column (from 1) of each feature.
    columns: Vec<usize>,
    /// The label column (from 1) and its name.
    label_column: (usize, String),
    /// `rows x names.len()` values.
    x: Vec<f64>,
    /// One label per row.
    labels: Vec<String>,
    /// The file line of each row (CSV).
    lines: Option<Vec<u64>>,
}

impl Raw {
    fn rows(&self) -> usize {
        self.labels.len()
    }

    /// The label cell of `row` (from 0).
    fn label_at(&self, row: usize) -> Box<Location> {
        Box::new(Location {
            path: self.label_path.clone(),
            row: row + 1,
            line: self.lines.as_ref().map(|l| l[row]),
            column: self.label_column.0,
            name: self.label_column.1.clone(),
        })
    }

    /// The rows `rows` (in that order).
    fn select(&self, rows: &[usize]) -> Raw {
        let f = self.names.len();
        Raw {
            path: self.path.clone(),
            label_path: self.label_path.clone(),
            names: self.names.clone(),
            columns: self.columns.clone(),
            label_column: self.label_column.clone(),
            x: rows.iter().flat_map(|&r| self.x[r * f..(r + 1) * f].iter().copied()).collect(),
            labels: rows.iter().map(|&r| self.labels[r].clone()).collect(),
            lines: self.lines.as_ref().map(|l| rows.iter().map(|&r| l[r]).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_are_prepared_as_a_table_and_checked() {
        let x = vec![1.0, -4.0, 2.0, 2.0, -1.0, 0.0];
        let labels = ["1", "0", "1"].map(String::from).to_vec();
        let d = from_arrays("X", (x.clone(), 3, 2), labels.clone(), None, Scaling::MaxAbs, 1024)
            .unwrap();
        assert_eq!(d.width(), 4);
        assert_eq!(d.prep.divisors, vec![2.0, 4.0]);
        assert_eq!(d.train.y, vec![1.0, -1.0, 1.0]);
        assert_eq!(d.train.x.row(0), &[1.0, 0.5, -1.0, 0.0]);
        assert_eq!(d.weight_names(), vec!["bias", "x0", "x1"]);
        let shape = from_arrays("X", (x.clone(), 2, 2), labels.clone(), None, Scaling::None, 1024);
        assert!(matches!(shape, Err(Error::LabelCount { .. })));
        let mut nan = x;
        nan[3] = f64::NAN;
        let err = from_arrays("X", (nan, 3, 2), labels, None, Scaling::None, 1024).unwrap_err();
        assert!(err.to_string().contains("row 2"), "{err}");
        let one = from_arrays("X", (vec![1.0], 1, 1), vec!["1".into()], None, Scaling::None, 1024);
        assert!(matches!(one, Err(Error::OneLabel { .. })));
    }
}
