//! The flags every command shares, with the same names in `reproduce`, `keygen`, `encrypt` and
//! `decrypt`: the data ([`DataArgs`]) and the hyperparameters ([`HyperArgs`]). `keygen` and
//! `reproduce` take them as given (defaults filled in); `encrypt` and `decrypt` read the
//! plan's, and flags given there must agree with it.

use crate::data::{DataSpec, Scaling, Source, Split};
use crate::error::{Error, Result};
use crate::hyper::Hyperparameters;
use circuits::training::Kind;
use clap::Args;
use std::path::{Path, PathBuf};

/// Where the data comes from and how it is prepared.
#[derive(Args, Clone, Debug, Default, PartialEq)]
pub struct DataArgs {
    /// MNIST: the directory of the four IDX files (default: $MNIST_DIR, ../shared/data/mnist,
    /// data/mnist).
    #[arg(long, value_name = "DIR", conflicts_with = "train")]
    pub data: Option<PathBuf>,
    /// MNIST: the positive digit, then the negative one [default: 3,8].
    #[arg(long, value_name = "A,B", value_delimiter = ',', conflicts_with = "train")]
    pub digits: Option<Vec<u8>>,
    /// A table to train on: CSV with a header row, NAME.npy (labels in NAME.labels.npy beside it)
    /// or .npz (arrays x and y).
    #[arg(long, value_name = "FILE")]
    pub train: Option<PathBuf>,
    /// The test table (the same columns as --train).
    #[arg(long, value_name = "FILE", requires = "train", conflicts_with = "test_fraction")]
    pub test: Option<PathBuf>,
    /// Hold out this fraction of the --train rows as the test set, drawn with --seed.
    #[arg(long, value_name = "F", requires = "train")]
    pub test_fraction: Option<f64>,
    /// The seed of --test-fraction's draw [default: 0].
    #[arg(long, value_name = "S", requires = "test_fraction")]
    pub seed: Option<u64>,
    /// The label column (CSV) or array (.npz) [default for .npz: y].
    #[arg(long, value_name = "NAME", requires = "train")]
    pub label: Option<String>,
    /// The label of the positive class (+1); the other is -1 [default for labels 0/1 or -1/1: 1].
    #[arg(long, value_name = "VALUE", requires = "train")]
    pub positive: Option<String>,
    /// Only these feature columns, in this order (CSV) [default: all but the label].
    #[arg(long, value_name = "A,B,...", value_delimiter = ',', requires = "train")]
    pub features: Option<Vec<String>>,
    /// Shuffle the training rows with this seed before cutting minibatches [default: file order].
    #[arg(long, value_name = "SEED")]
    pub shuffle: Option<u64>,
    /// Feature scaling [default: max-abs for tables; none for MNIST, whose pixels are divided by
    /// 255].
    #[arg(long, value_enum)]
    pub scaling: Option<Scaling>,
}

impl DataArgs {
    /// Whether no data flag was given.
    pub fn is_empty(&self) -> bool {
        *self == DataArgs::default()
    }

    /// What the flags ask for (MNIST 3 vs 8 when none is given).
    ///
    /// # Errors
    /// [`Error::InvalidOption`] for `--digits` without exactly two digits.
    pub fn spec(&self) -> Result<DataSpec> {
        let split = match self.test_fraction {
            Some(fraction) => Split::Fraction { fraction, seed: self.seed.unwrap_or(0) },
            None => Split::Files,
        };
        let (source, default_scaling) = match &self.train {
            None => {
                let digits = match self.digits.as_deref() {
                    None => [3, 8],
                    Some(&[a, b]) => [a, b],
                    Some(d) => {
                        return Err(Error::InvalidOption {
                            flag: "--digits",
                            value: format!("{d:?}"),
                            expected: "two digits, positive first (3,8)",
                        })
                    }
                };
                (Source::Mnist { dir: self.data.clone(), digits }, Scaling::None)
            }
            Some(train) => (
                Source::Table {
                    train: absolute(train),
                    test: self.test.as_deref().map(absolute),
                    label: self.label.clone(),
                    positive: self.positive.clone(),
                    features: self.features.clone(),
                },
                Scaling::MaxAbs,
            ),
        };
        Ok(DataSpec {
            source,
            split,
            shuffle: self.shuffle,
            scaling: self.scaling.unwrap_or(default_scaling),
        })
    }
}

/// `path` made absolute (so a plan recorded here can be used from another directory).
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Training hyperparameters.
#[derive(Args, Clone, Debug, Default, PartialEq)]
pub struct HyperArgs {
    /// Minibatches k [default: 6].
    #[arg(long, value_name = "K")]
    pub minibatches: Option<usize>,
    /// Rows per minibatch b [default: 256; 16 for reproduce --quick].
    #[arg(long, value_name = "B")]
    pub batch_size: Option<usize>,
    /// Learning rate gamma [default: 0.5].
    #[arg(long, value_name = "GAMMA")]
    pub gamma: Option<f64>,
    /// Degree of the sigmoid's polynomial: 3, 5 or 7 (the low-depth circuit: 3) [default: 3].
    #[arg(long, value_name = "D")]
    pub sigmoid_degree: Option<usize>,
    /// The sigmoid is fitted on [-R, R] [default: 8].
    #[arg(long, value_name = "R")]
    pub sigmoid_interval: Option<f64>,
}

impl HyperArgs {
    /// `base` with the values given here.
    ///
    /// # Errors
    /// As [`Hyperparameters::check`].
    pub fn resolve(&self, base: Hyperparameters) -> Result<Hyperparameters> {
        let h = Hyperparameters {
            minibatches: self.minibatches.unwrap_or(base.minibatches),
            batch_size: self.batch_size.unwrap_or(base.batch_size),
            gamma: self.gamma.unwrap_or(base.gamma),
            sigmoid_degree: self.sigmoid_degree.unwrap_or(base.sigmoid_degree),
            sigmoid_interval: self.sigmoid_interval.unwrap_or(base.sigmoid_interval),
        };
        h.check()?;
        Ok(h)
    }

    /// Checks the values given here against the plan's (`path` names the plan).
    ///
    /// # Errors
    /// [`Error::PlanMismatch`] naming the first flag that differs.
    pub fn check_against(&self, plan: &Hyperparameters, path: &Path) -> Result<()> {
        let resolved = self.resolve(plan.clone())?;
        let fields: [(&'static str, String, String); 5] = [
            ("--minibatches", plan.minibatches.to_string(), resolved.minibatches.to_string()),
            ("--batch-size", plan.batch_size.to_string(), resolved.batch_size.to_string()),
            ("--gamma", plan.gamma.to_string(), resolved.gamma.to_string()),
            (
                "--sigmoid-degree",
                plan.sigmoid_degree.to_string(),
                resolved.sigmoid_degree.to_string(),
            ),
            (
                "--sigmoid-interval",
                plan.sigmoid_interval.to_string(),
                resolved.sigmoid_interval.to_string(),
            ),
        ];
        match fields.into_iter().find(|(_, planned, given)| planned != given) {
            Some((field, planned, given)) => {
                Err(Error::PlanMismatch { path: path.into(), field, planned, given })
            }
            None => Ok(()),
        }
    }
}

/// The flags `encrypt` and `decrypt` share with `keygen`. They are optional there: the plan
/// has the values, and a value given must agree with it (the data flags may name the same
/// data in another place).
#[derive(Args, Clone, Debug, Default, PartialEq)]
pub struct PlanArgs {
    /// baseline or lowdepth [default: the plan's].
    #[arg(long, value_parser = clap::value_parser!(Kind))]
    pub circuit: Option<Kind>,
    /// The data.
    #[command(flatten)]
    pub data: DataArgs,
    /// The hyperparameters.
    #[command(flatten)]
    pub hyper: HyperArgs,
}

impl PlanArgs {
    /// Checks the circuit and hyperparameters given against the plan's (`path` names the plan).
    ///
    /// # Errors
    /// [`Error::PlanMismatch`].
    pub fn check_against(&self, circuit: Kind, hyper: &Hyperparameters, path: &Path) -> Result<()> {
        if let Some(c) = self.circuit.filter(|c| *c != circuit) {
            return Err(Error::PlanMismatch {
                path: path.into(),
                field: "--circuit",
                planned: circuit.to_string(),
                given: c.to_string(),
            });
        }
        self.hyper.check_against(hyper, path)
    }

    /// The data to read: the plan's `planned`, its files moved where `--data`, `--train` and
    /// `--test` say; any other data flag given must agree with the plan.
    ///
    /// # Errors
    /// [`Error::PlanMismatch`] naming the flag.
    pub fn data_spec(&self, planned: &DataSpec, path: &Path) -> Result<DataSpec> {
        let d = &self.data;
        let differ = |field: &'static str, planned: String, given: String| {
            Err(Error::PlanMismatch { path: path.into(), field, planned, given })
        };
        let mut spec = planned.clone();
        match &mut spec.source {
            Source::Mnist { dir, digits } => {
                if d.train.is_some() {
                    return differ("the data", "MNIST".into(), "--train (a table)".into());
                }
                if let Some(given) = d.digits.as_deref().filter(|g| *g != digits.as_slice()) {
                    return differ("--digits", format!("{digits:?}"), format!("{given:?}"));
                }
                if d.data.is_some() {
                    dir.clone_from(&d.data);
                }
            }
            Source::Table { train, test, label, positive, features } => {
                if d.data.is_some() || d.digits.is_some() {
                    return differ("the data", "a table".into(), "MNIST flags".into());
                }
                for (flag, planned, given) in
                    [("--label", &*label, &d.label), ("--positive", &*positive, &d.positive)]
                {
                    if given.is_some() && given != planned {
                        return differ(flag, format!("{planned:?}"), format!("{given:?}"));
                    }
                }
                if d.features.is_some() && d.features != *features {
                    return differ(
                        "--features",
                        format!("{features:?}"),
                        format!("{:?}", d.features),
                    );
                }
                if let Some(t) = &d.train {
                    *train = absolute(t);
                }
                if let Some(t) = &d.test {
                    *test = Some(absolute(t));
                }
            }
        }
        let given_split =
            d.test_fraction.map(|fraction| Split::Fraction { fraction, seed: d.seed.unwrap_or(0) });
        if given_split.is_some_and(|g| g != planned.split) {
            return differ(
                "--test-fraction",
                format!("{:?}", planned.split),
                format!("{given_split:?}"),
            );
        }
        if d.shuffle.is_some() && d.shuffle != planned.shuffle {
            return differ(
                "--shuffle",
                format!("{:?}", planned.shuffle),
                format!("{:?}", d.shuffle),
            );
        }
        if d.scaling.is_some_and(|s| s != planned.scaling) {
            return differ(
                "--scaling",
                format!("{:?}", planned.scaling),
                format!("{:?}", d.scaling),
            );
        }
        Ok(spec)
    }
}

/// `keygen --bootstrap`: bootstrapping material in the server's bundle.
#[derive(Args, Clone, Debug, Default, PartialEq)]
pub struct BootstrapArgs {
    /// Choose parameters that can bootstrap (N = 2^16, 128-bit; with --quick the INSECURE toy
    /// ring) and put the bootstrapping configuration and keys into the server's bundle
    /// (several GiB at N = 2^16).
    #[arg(long)]
    pub bootstrap: bool,
    /// With --bootstrap or --epochs: the levels the circuit keeps between bootstraps
    /// [default: the depth of a round; with --epochs the circuit's own: 11 for both circuits,
    /// the fewest bootstraps on the digits of 10 levels].
    #[arg(long, value_name = "L")]
    pub bootstrap_levels: Option<usize>,
    /// Train E whole epochs on the server alone (implies --bootstrap): --minibatches is then an
    /// epoch's [default: every full minibatch of the training set]; encrypt uploads every
    /// round, one train runs them all, bootstrapping the model between rounds.
    #[arg(long, value_name = "E")]
    pub epochs: Option<usize>,
    /// With --epochs: the state bound sigma (an even integer; (w + i v) / sigma is
    /// bootstrapped) [default: 8].
    #[arg(long, value_name = "SIGMA", requires = "epochs")]
    pub state_bound: Option<u32>,
    /// Set by the caller when --minibatches was not given: with --epochs, every full minibatch
    /// of the training set makes an epoch.
    #[arg(skip)]
    pub whole_epoch: bool,
}

/// What `reproduce` and `epochs` share besides the data and the hyperparameters: where the
/// results go, the threads, the circuits.
#[derive(Args, Clone, Debug, Default, PartialEq)]
pub struct RunArgs {
    /// Write the results as JSON here, the pictures beside it (for MNIST the weights as SVG;
    /// for epochs the curves too).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Only these circuits (comma separated: baseline, lowdepth; none: plaintext only).
    #[arg(long, value_delimiter = ',', default_value = "baseline,lowdepth")]
    pub circuits: Vec<String>,
}

impl RunArgs {
    /// Sizes the global thread pool (with `--threads`) and returns its threads.
    ///
    /// # Errors
    /// [`Error::Threads`] if the pool was already built.
    pub fn install_threads(&self) -> Result<usize> {
        if let Some(t) = self.threads {
            rayon::ThreadPoolBuilder::new().num_threads(t).build_global()?;
        }
        Ok(rayon::current_num_threads())
    }

    /// The circuits named (`none`: no circuit, plaintext only).
    ///
    /// # Errors
    /// An unknown circuit's name.
    pub fn circuits(&self) -> Result<Vec<Kind>> {
        circuit_list(&self.circuits)
    }
}

/// `--circuits`: the names given, `none` for the plaintext run only.
///
/// # Errors
/// An unknown circuit's name.
pub fn circuit_list(names: &[String]) -> Result<Vec<Kind>> {
    names
        .iter()
        .filter(|c| !c.is_empty() && c.as_str() != "none")
        .map(|c| c.parse::<Kind>().map_err(Error::from))
        .collect()
}
