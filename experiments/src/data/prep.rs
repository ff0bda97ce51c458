//! From raw rows to a binary problem: the two classes (labels +1 / -1), the seeded split, the
//! optional shuffle of the training rows, the scaling fitted on the training set, the bias
//! column and the zero padding to a power of two, and the record of all of it.

use super::{DataSpec, Dataset, Raw, Samples, Scaling, Source, Split};
use crate::error::{Error, Result};
use linalg::PlainMatrix;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// How the two classes are known.
pub(super) enum Classes {
    /// Given (MNIST's digits): positive, negative.
    Given([String; 2]),
    /// Found in the training labels, the positive one named (or implied by {0, 1}, {-1, 1}).
    Found {
        /// `--positive`.
        positive: Option<String>,
    },
}

/// What was done to the data: printed by `reproduce` and `keygen`, kept in the client's
/// `plan.json`, and checked again by `encrypt` and `decrypt` (the same files must give the
/// same problem).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preprocessing {
    /// The feature names, in model order after the bias.
    pub features: Vec<String>,
    /// The label of the +1 class.
    pub positive: String,
    /// The label of the -1 class.
    pub negative: String,
    /// The divisor of each feature (empty: no scaling).
    pub divisors: Vec<f64>,
    /// Bias and features, zero padded to this power of two.
    pub width: usize,
    /// Training rows.
    pub train_rows: usize,
    /// Test rows.
    pub test_rows: usize,
}

impl Preprocessing {
    /// The lines that state the preprocessing (for the output).
    pub fn describe(&self, spec: &DataSpec) -> Vec<String> {
        let mut lines = Vec::new();
        let source = match &spec.source {
            Source::Mnist { .. } => format!("images: {}", super::mnist::PIXELS),
            Source::Table { label, .. } => format!(
                "label {}: {:?} is +1, {:?} is -1",
                label.as_deref().map_or("array".to_string(), |l| format!("{l:?}")),
                self.positive,
                self.negative
            ),
        };
        lines.push(source);
        lines.push(match spec.split {
            Split::Files => format!(
                "{} training and {} test rows from their own files",
                self.train_rows, self.test_rows
            ),
            Split::Fraction { fraction, seed } => format!(
                "{} training and {} test rows: a fraction {fraction} held out at random (seed {seed}), \
                 the rest in file order",
                self.train_rows, self.test_rows
            ),
        });
        lines.push(match spec.scaling {
            Scaling::MaxAbs => format!(
                "each feature divided by its largest absolute value on the training set (HELR's \
                 scaling; divisors from {:.3e} to {:.3e}), the same divisors on the test set",
                self.divisors.iter().copied().fold(f64::INFINITY, f64::min),
                self.divisors.iter().copied().fold(0.0, f64::max)
            ),
            Scaling::None => "no further scaling".into(),
        });
        lines.push(format!(
            "{} features + a bias column of ones (first), zero padded to {}",
            self.features.len(),
            self.width
        ));
        lines.push(match spec.shuffle {
            None => "minibatches: consecutive training rows in file order".into(),
            Some(seed) => {
                format!("minibatches: consecutive training rows after a shuffle (seed {seed})")
            }
        });
        lines
    }

    /// Checks that `other` (the same data read again) is the problem this record describes.
    ///
    /// # Errors
    /// [`Error::PlanMismatch`] naming the first field that differs; `plan` names the record's
    /// file.
    pub fn check_same(&self, other: &Preprocessing, plan: &Path) -> Result<()> {
        let differ = |field: &'static str, planned: String, given: String| {
            Err(Error::PlanMismatch { path: plan.into(), field, planned, given })
        };
        if self.features != other.features {
            return differ("the features", self.features.join(","), other.features.join(","));
        }
        if (&self.positive, &self.negative) != (&other.positive, &other.negative) {
            let pair =
                |p: &Preprocessing| format!("{:?} (+1) vs {:?} (-1)", p.positive, p.negative);
            return differ("the classes", pair(self), pair(other));
        }
        if self.divisors != other.divisors {
            return differ("the scaling", "the recorded divisors".into(), "other divisors".into());
        }
        if (self.width, self.train_rows, self.test_rows)
            != (other.width, other.train_rows, other.test_rows)
        {
            let shape = |p: &Preprocessing| {
                format!("{} wide, {} training and {} test rows", p.width, p.train_rows, p.test_rows)
            };
            return differ("the data's shape", shape(self), shape(other));
        }
        Ok(())
    }
}

/// A seeded uniformly random permutation of `0..n` (Fisher-Yates over ChaCha20, written here so
/// that a seed means the same order in every version).
fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let mut below = |bound: u64| loop {
        // Rejection sampling: uniform in 0..bound.
        let zone = u64::MAX - u64::MAX % bound;
        let v = rng.next_u64();
        if v < zone {
            return v % bound;
        }
    };
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = below(i as u64 + 1) as usize;
        p.swap(i, j);
    }
    p
}

/// Two labels are the same when equal as text or as numbers (`1` and `1.0`).
fn same(a: &str, b: &str) -> bool {
    a == b || matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if x == y)
}

/// The two classes of the training labels, positive first.
fn classes(raw: &Raw, positive: Option<&str>) -> Result<[String; 2]> {
    let mut seen: Vec<String> = Vec::new();
    for (row, l) in raw.labels.iter().enumerate() {
        if !seen.iter().any(|s| same(s, l)) {
            if seen.len() == 2 {
                return Err(Error::ThirdLabel { at: raw.label_at(row), value: l.clone(), seen });
            }
            seen.push(l.clone());
        }
    }
    if seen.len() < 2 {
        return Err(Error::OneLabel {
            path: raw.label_path.clone(),
            column: raw.label_column.0,
            name: raw.label_column.1.clone(),
            rows: raw.rows(),
            value: seen.pop().unwrap_or_default(),
        });
    }
    let chosen = match positive {
        Some(p) => seen.iter().position(|s| same(s, p)).ok_or_else(|| Error::UnknownPositive {
            path: raw.label_path.clone(),
            name: raw.label_column.1.clone(),
            positive: p.into(),
            values: seen.clone(),
        })?,
        None => {
            let numbers: Vec<f64> = seen.iter().filter_map(|s| s.parse().ok()).collect();
            let implied = numbers.len() == 2
                && numbers.contains(&1.0)
                && (numbers.contains(&0.0) || numbers.contains(&-1.0));
            if !implied {
                return Err(Error::PositiveNeeded {
                    path: raw.label_path.clone(),
                    name: raw.label_column.1.clone(),
                    values: seen,
                });
            }
            numbers.iter().position(|&v| v == 1.0).expect("checked")
        }
    };
    let other = 1 - chosen;
    Ok([seen[chosen].clone(), seen[other].clone()])
}

/// +1 / -1 for each row; a row of neither class is an error.
fn signs(raw: &Raw, classes: &[String; 2]) -> Result<Vec<f64>> {
    raw.labels
        .iter()
        .enumerate()
        .map(|(row, l)| {
            if same(l, &classes[0]) {
                Ok(1.0)
            } else if same(l, &classes[1]) {
                Ok(-1.0)
            } else {
                Err(Error::UnseenLabel {
                    at: raw.label_at(row),
                    value: l.clone(),
                    classes: classes.to_vec(),
                })
            }
        })
        .collect()
}

/// Bias, scaled features, padding.
fn samples(raw: &Raw, y: Vec<f64>, divisors: &[f64], width: usize) -> Samples {
    let f = raw.names.len();
    let x = PlainMatrix::from_fn(raw.rows(), width, |i, j| match j {
        0 => 1.0,
        j if j <= f => {
            let v = raw.x[i * f + j - 1];
            divisors.get(j - 1).map_or(v, |d| v / d)
        }
        _ => 0.0,
    });
    Samples { x, y }
}

/// The problem from raw rows (see the module docs); at most `slots - 1` features.
pub(super) fn prepare(
    spec: &DataSpec,
    train: Raw,
    test: Option<Raw>,
    classes_of: Classes,
    slots: usize,
) -> Result<Dataset> {
    let f = train.names.len();
    if f + 1 > slots {
        return Err(Error::TooManyFeatures {
            path: train.path.clone(),
            column: train.columns[slots - 1],
            name: train.names[slots - 1].clone(),
            feature: slots,
            max: slots - 1,
            slots,
        });
    }
    let (train, test) = match (spec.split, test) {
        (Split::Files, Some(test)) => (train, test),
        (Split::Fraction { fraction, seed }, None) => {
            let n = train.rows();
            let held = (fraction * n as f64).round() as usize;
            if !(fraction > 0.0 && fraction < 1.0) || held == 0 || held >= n {
                return Err(Error::InvalidOption {
                    flag: "--test-fraction",
                    value: format!("{fraction} of {n} rows"),
                    expected: "a fraction in (0, 1) that leaves rows on both sides",
                });
            }
            let perm = permutation(n, seed);
            let mut test_rows = perm[..held].to_vec();
            let mut train_rows = perm[held..].to_vec();
            test_rows.sort_unstable();
            train_rows.sort_unstable();
            (train.select(&train_rows), train.select(&test_rows))
        }
        _ => {
            return Err(Error::InvalidOption {
                flag: "--test",
                value: "(missing)".into(),
                expected:
                    "a test file (--test FILE) or a seeded split (--test-fraction F --seed S)",
            })
        }
    };
    let train = match spec.shuffle {
        Some(seed) => train.select(&permutation(train.rows(), seed)),
        None => train,
    };
    let classes = match classes_of {
        Classes::Given(c) => c,
        Classes::Found { positive } => classes(&train, positive.as_deref())?,
    };
    let y_train = signs(&train, &classes)?;
    if !(y_train.contains(&1.0) && y_train.contains(&-1.0)) {
        return Err(Error::OneLabel {
            path: train.label_path.clone(),
            column: train.label_column.0,
            name: train.label_column.1.clone(),
            rows: train.rows(),
            value: train.labels.first().cloned().unwrap_or_default(),
        });
    }
    let y_test = signs(&test, &classes)?;
    if test.names != train.names {
        return Err(match train.names.iter().find(|n| !test.names.contains(n)) {
            Some(missing) => Error::UnknownColumn {
                path: test.path.clone(),
                name: missing.clone(),
                available: test.names.clone(),
            },
            None => Error::InvalidOption {
                flag: "--test",
                value: test.path.display().to_string(),
                expected: "the training file's feature columns, in its order (or select them with \
                           --features)",
            },
        });
    }
    let divisors: Vec<f64> = match spec.scaling {
        Scaling::None => Vec::new(),
        Scaling::MaxAbs => (0..f)
            .map(|j| {
                let m = (0..train.rows()).map(|i| train.x[i * f + j].abs()).fold(0.0, f64::max);
                if m > 0.0 {
                    m
                } else {
                    1.0
                }
            })
            .collect(),
    };
    let width = (f + 1).next_power_of_two();
    let prep = Preprocessing {
        features: train.names.clone(),
        positive: classes[0].clone(),
        negative: classes[1].clone(),
        divisors: divisors.clone(),
        width,
        train_rows: train.rows(),
        test_rows: test.rows(),
    };
    Ok(Dataset {
        spec: spec.clone(),
        train: samples(&train, y_train, &divisors, width),
        test: samples(&test, y_test, &divisors, width),
        prep,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_are_seeded_and_complete() {
        let p = permutation(50, 7);
        let mut sorted = p.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_eq!(p, permutation(50, 7));
        assert_ne!(p, permutation(50, 8));
        // Pinned: a seed means this order in every version.
        assert_eq!(permutation(8, 1), [1, 5, 3, 0, 4, 6, 7, 2]);
    }

    fn raw(n: usize) -> Raw {
        Raw {
            path: "t.csv".into(),
            label_path: "t.csv".into(),
            names: vec!["a".into(), "b".into()],
            columns: vec![1, 2],
            label_column: (3, "y".into()),
            // Row i: (i, -2 i); labels alternate.
            x: (0..n).flat_map(|i| [i as f64, -2.0 * i as f64]).collect(),
            labels: (0..n).map(|i| if i % 2 == 0 { "p".into() } else { "q".into() }).collect(),
            lines: Some((0..n as u64).map(|i| i + 2).collect()),
        }
    }

    fn spec(split: Split, shuffle: Option<u64>, scaling: Scaling) -> DataSpec {
        let source = Source::Table {
            train: "t.csv".into(),
            test: None,
            label: Some("y".into()),
            positive: Some("q".into()),
            features: None,
        };
        DataSpec { source, split, shuffle, scaling }
    }

    #[test]
    fn split_shuffle_scaling_bias_and_padding() {
        let n = 20;
        let classes = || Classes::Found { positive: Some("q".into()) };
        let split = Split::Fraction { fraction: 0.25, seed: 3 };
        let d =
            prepare(&spec(split, None, Scaling::MaxAbs), raw(n), None, classes(), 1024).unwrap();
        // 5 test rows, 15 training rows, each set in file order; together every row once.
        assert_eq!((d.prep.train_rows, d.prep.test_rows), (15, 5));
        let first = |s: &Samples| (0..s.len()).map(|i| s.x.get(i, 1)).collect::<Vec<f64>>();
        let max = d.prep.divisors[0];
        let rows =
            |s: &Samples| first(s).iter().map(|v| (v * max).round() as usize).collect::<Vec<_>>();
        let (train, test) = (rows(&d.train), rows(&d.test));
        // The divisors: the training set's largest absolute values (the test set's may differ).
        assert_eq!(max, *train.iter().max().unwrap() as f64);
        assert_eq!(d.prep.divisors, [max, 2.0 * max]);
        assert!(train.windows(2).all(|w| w[0] < w[1]) && test.windows(2).all(|w| w[0] < w[1]));
        let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..n).collect::<Vec<_>>());
        // Bias first, the second feature scaled by its own divisor, zeros to the width 4.
        let i = 3;
        assert_eq!(d.train.x.row(i), [1.0, train[i] as f64 / max, -(train[i] as f64) / max, 0.0]);
        // Labels: q is +1 (odd rows).
        assert_eq!(d.train.y[i], if train[i] % 2 == 1 { 1.0 } else { -1.0 });

        // A shuffle reorders the training rows by the seeded permutation, nothing else.
        let s =
            prepare(&spec(split, Some(9), Scaling::None), raw(n), None, classes(), 1024).unwrap();
        let shuffled = first(&s.train).iter().map(|v| *v as usize).collect::<Vec<_>>();
        let want: Vec<usize> = permutation(15, 9).iter().map(|&k| train[k]).collect();
        assert_eq!(shuffled, want);
        assert!(s.prep.divisors.is_empty());

        // Two features do not fit 2 slots (with the bias): the second is named.
        let err =
            prepare(&spec(split, None, Scaling::None), raw(n), None, classes(), 2).unwrap_err();
        assert!(err.to_string().contains("column 2 (\"b\") is feature 2"), "{err}");
    }

    #[test]
    fn labels_compare_as_text_or_numbers() {
        assert!(same("1", "1.0") && same("yes", "yes") && !same("1", "yes") && !same("0", "1"));
    }
}
