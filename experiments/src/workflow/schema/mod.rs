//! The workflow's JSON files, one serde type each (unknown fields refused), read through
//! [`load`]: bounded, parsed, then checked once by [`WorkflowFile::check`] against what it
//! must agree with (the parameters, the plan), every number within the range
//! [`super::limits`] allows and every product computed checked. Errors name the file and the
//! field. Written through [`save`].

use super::identity::{Digest, Id};
use super::limits::{MAX_ITERATIONS, MAX_ROUND_CELLS};
use crate::data::{DataSpec, Preprocessing};
use crate::error::{Error, Result, WorkflowError};
use crate::files::OutputDir;
use crate::hyper::Hyperparameters;
use circuits::protocol::Role;
use circuits::training::{Kind, Training};
use ckks::Context;
use linalg::PlainMatrix;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::Path;

mod epochs;
mod manifest;

pub use epochs::EpochRecord;
pub use manifest::{Manifest, State};

/// A JSON file of the workflow.
pub trait WorkflowFile: Serialize + DeserializeOwned {
    /// Its name in its directory.
    const NAME: &'static str;

    /// What it is checked against.
    type Against<'a>;

    /// Checks every value, once, when the file is read.
    ///
    /// # Errors
    /// [`WorkflowError::InvalidField`] (or another typed error) naming the file and field.
    fn check(&self, path: &Path, against: Self::Against<'_>) -> Result<()>;
}

/// Reads and checks the file `T::NAME` of `dir`.
///
/// # Errors
/// [`Error::Io`], [`Error::TooLarge`], [`Error::Json`], and what [`WorkflowFile::check`] finds.
pub fn load<T: WorkflowFile>(dir: &Path, against: T::Against<'_>) -> Result<T> {
    let path = dir.join(T::NAME);
    let value: T = crate::files::read_json(&path)?;
    value.check(&path, against)?;
    Ok(value)
}

/// Writes `value` as the file `T::NAME` of `out`.
///
/// # Errors
/// [`Error::Io`], [`Error::Json`].
pub fn save<T: WorkflowFile>(out: &mut OutputDir, value: &T) -> Result<()> {
    out.write_json(T::NAME, value)
}

fn invalid(path: &Path, field: &'static str, problem: impl Into<String>) -> Error {
    WorkflowError::InvalidField { path: path.into(), field, problem: problem.into() }.into()
}

fn same_key_set(path: &Path, found: Id, plan: &Plan, plan_path: &Path) -> Result<()> {
    if found != plan.key_set {
        return Err(WorkflowError::KeySetMismatch {
            path: path.into(),
            found,
            reference: plan_path.into(),
            expected: plan.key_set,
        }
        .into());
    }
    Ok(())
}

/// The data a plan was made for and what was done to it (the client's plan only: the server
/// learns the padded width and nothing else about the data).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataRecord {
    /// What was asked.
    pub spec: DataSpec,
    /// What was done.
    pub preprocessing: Preprocessing,
}

/// The evaluation keys a server bundle holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysRecord {
    /// Whether there is a relinearization key (`relin.key`).
    pub relinearization: bool,
    /// How many Galois keys `galois.keys` holds.
    pub galois: usize,
    /// The bootstrapping material (`bootstrap.config`, `bootstrap.keys`), from `keygen
    /// --bootstrap` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<BootstrapRecord>,
}

/// What `keygen --bootstrap` wrote into the server's bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BootstrapRecord {
    /// Slots bootstrapped (the encoding unit's width; `N/2` for all).
    pub slots: usize,
    /// Levels left to the circuit between bootstraps (the top circuit level).
    pub circuit_levels: usize,
    /// Bytes of `bootstrap.keys` (the file, envelope included).
    pub key_file_bytes: u64,
}

/// Which side a plan is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// The client: with the data's record and the secret key's check.
    Client,
    /// The server: without them.
    Server,
}

/// Everything the two parties agree on besides the keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The key set (drawn by `keygen`).
    pub key_set: Id,
    /// The circuit.
    pub circuit: Kind,
    /// The training hyperparameters.
    pub hyperparameters: Hyperparameters,
    /// The encoding unit's height (its width fills the ring's slots).
    pub unit_height: usize,
    /// Bias and features, zero padded: the width of every uploaded object.
    pub width: usize,
    /// The evaluation keys.
    pub keys: KeysRecord,
    /// The secret key's check (the client's plan only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key_check: Option<Digest>,
    /// The data (the client's plan only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataRecord>,
    /// Whole epochs on the server alone (`keygen --epochs`): `hyperparameters.minibatches` is
    /// an epoch's, uploads hold every round, the server bootstraps between rounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epochs: Option<EpochRecord>,
}

impl WorkflowFile for Plan {
    const NAME: &'static str = "plan.json";

    type Against<'a> = (&'a Context, Party);

    fn check(&self, path: &Path, (ctx, party): Self::Against<'_>) -> Result<()> {
        let bad = |field, problem: String| Err(invalid(path, field, problem));
        if let Some(o) = self.hyperparameters.out_of_range() {
            let field = match o.field {
                "minibatches" => "hyperparameters.minibatches",
                "batch_size" => "hyperparameters.batch_size",
                "gamma" => "hyperparameters.gamma",
                "sigmoid_degree" => "hyperparameters.sigmoid_degree",
                _ => "hyperparameters.sigmoid_interval",
            };
            return bad(field, format!("{}: expected {}", o.value, o.expected));
        }
        let slots = ctx.slots();
        let (k, b, d) =
            (self.hyperparameters.minibatches, self.hyperparameters.batch_size, self.width);
        if !d.is_power_of_two() || !(2..=slots).contains(&d) {
            return bad(
                "width",
                format!("{d}: must be a power of two from 2 (bias and a feature) to {slots} slots"),
            );
        }
        if !self.unit_height.is_power_of_two() || self.unit_height > slots {
            return bad(
                "unit_height",
                format!("{}: must be a power of two of at most {slots} slots", self.unit_height),
            );
        }
        if b > slots {
            return bad(
                "hyperparameters.batch_size",
                format!("{b}: a minibatch has at most {slots} rows (the slots of a ciphertext)"),
            );
        }
        if k.checked_mul(b).and_then(|r| r.checked_mul(d)).is_none_or(|c| c > MAX_ROUND_CELLS) {
            return bad(
                "hyperparameters.minibatches",
                format!("{k} minibatches of {b} rows of width {d}: more than {MAX_ROUND_CELLS} cells a round"),
            );
        }
        if k > MAX_ITERATIONS {
            return bad("hyperparameters.minibatches", format!("{k}: at most {MAX_ITERATIONS}"));
        }
        if let Err(Error::InvalidOption { value, expected, .. }) =
            self.hyperparameters.check_for(self.circuit)
        {
            return bad("hyperparameters.sigmoid_degree", format!("{value}: expected {expected}"));
        }
        let probe = PlainMatrix::from_fn(1, d, |_, _| 0.0);
        let depth = match &self.epochs {
            // A round of an epoch plan is as deep as its levels allow.
            Some(e) => e.check(self, path, ctx).map(|()| 0)?,
            None => self
                .training(&probe, 0)?
                .depth()
                .map_err(|e| invalid(path, "circuit", e.to_string()))?,
        };
        if depth > ctx.max_level() {
            return bad(
                "hyperparameters.minibatches",
                format!(
                    "{k} minibatches need depth {depth}; the parameters have {} levels",
                    ctx.max_level()
                ),
            );
        }
        if self.keys.galois > slots {
            return bad("keys.galois", format!("{}: at most {slots}", self.keys.galois));
        }
        if let Some(b) = &self.keys.bootstrap {
            let chain = ctx.chain();
            if chain.bootstrap_levels() == 0 {
                return bad("keys.bootstrap", "the parameters have no bootstrapping levels".into());
            }
            if b.circuit_levels != chain.circuit_top() {
                return bad(
                    "keys.bootstrap.circuit_levels",
                    format!("{}: the parameters have {}", b.circuit_levels, chain.circuit_top()),
                );
            }
            if !b.slots.is_power_of_two() || b.slots > slots {
                return bad(
                    "keys.bootstrap.slots",
                    format!("{}: must be a power of two of at most {slots} slots", b.slots),
                );
            }
        }
        match (party, &self.secret_key_check, &self.data) {
            (Party::Client, None, _) => {
                return bad("secret_key_check", "missing: this is not a client's plan".into())
            }
            (Party::Client, _, None) => {
                return bad("data", "missing: this is the server's plan, not the client's".into())
            }
            (Party::Server, Some(_), _) | (Party::Server, _, Some(_)) => {
                return bad(
                    "data",
                    "the client's plan (with the data's record and the key check) where the \
                     server's belongs"
                        .into(),
                )
            }
            _ => {}
        }
        if let Some(r) = &self.data {
            if r.preprocessing.width != d {
                return bad("data.preprocessing.width", "differs from the plan's width".into());
            }
        }
        Ok(())
    }
}

impl Plan {
    /// Training rows per round (`k b`; checked when the plan was read).
    pub fn rows_per_round(&self) -> usize {
        self.hyperparameters.minibatches.saturating_mul(self.hyperparameters.batch_size)
    }

    /// Checks that round `round` (of a file `path`'s field `field`; with `next`, the round after
    /// it) can be trained: its iterations end within [`MAX_ITERATIONS`].
    ///
    /// # Errors
    /// [`WorkflowError::InvalidField`].
    pub fn check_round(
        &self,
        path: &Path,
        field: &'static str,
        round: usize,
        next: bool,
    ) -> Result<()> {
        let k = self.hyperparameters.minibatches;
        let train = if next { round.checked_add(1) } else { Some(round) };
        let end = train.and_then(|r| r.checked_add(1)).and_then(|r| r.checked_mul(k));
        if end.is_none_or(|e| e > MAX_ITERATIONS) {
            return Err(invalid(
                path,
                field,
                format!(
                    "{round}: {} round of {k} minibatches would end past iteration \
                     {MAX_ITERATIONS}, the last a plan may reach",
                    if next { "the next" } else { "its" }
                ),
            ));
        }
        Ok(())
    }

    /// The circuit of `round` on `z`. Every round, the first included, starts from an uploaded
    /// state (zero at first; the values travel in the upload), so one set of parameters fits
    /// all rounds of the resumable circuit.
    ///
    /// # Errors
    /// As [`Hyperparameters::train_config`]; [`WorkflowError::InvalidField`] for a round
    /// beyond [`MAX_ITERATIONS`].
    pub fn training<'a>(&self, z: &'a PlainMatrix, round: usize) -> Result<Training<'a>> {
        let mut cfg = self.hyperparameters.train_config()?;
        cfg.start_iteration = round
            .checked_mul(self.hyperparameters.minibatches)
            .filter(|s| *s <= MAX_ITERATIONS)
            .ok_or_else(|| invalid(Path::new(Self::NAME), "round", format!("{round}: too late")))?;
        let zero = vec![0.0; self.width];
        let t = Training::new(self.circuit, cfg, z).with_state(zero.clone(), zero);
        Ok(if self.unit_height > 0 { t.with_unit_height(self.unit_height) } else { t })
    }

    /// Refuses the round-by-round commands (`encrypt`, `train`) on a plan with bootstrapping
    /// (`keygen --bootstrap`): their circuits start at the top of the chain, which is the top of
    /// the bootstrapping levels; a training that bootstraps starts at the top circuit level.
    ///
    /// # Errors
    /// [`WorkflowError::InvalidField`] naming `path`'s `keys.bootstrap`.
    pub fn refuse_bootstrapping(&self, path: &Path) -> Result<()> {
        match self.keys.bootstrap {
            Some(_) => Err(invalid(
                path,
                "keys.bootstrap",
                "this key set was made for bootstrapping (keygen --bootstrap); round-by-round \
                 encrypt and train need a key set made without --bootstrap, and training \
                 across bootstraps one made with --epochs",
            )),
            None => Ok(()),
        }
    }

    /// A zero matrix of one round's shape: what stands for the data where only shapes matter
    /// (the server, and the client's expectations of the returned model). Its size is bounded
    /// by [`MAX_ROUND_CELLS`] once the plan is checked.
    pub fn shape_only(&self) -> PlainMatrix {
        PlainMatrix::from_fn(self.rows_per_round(), self.width, |_, _| 0.0)
    }

    /// The plan the server gets: without the data's record and the key check.
    pub fn for_server(&self) -> Plan {
        Plan { data: None, secret_key_check: None, ..self.clone() }
    }

    /// The digest of what both parties' plans hold (the server's plan), which every manifest
    /// carries.
    pub fn digest(&self) -> Digest {
        let json = serde_json::to_vec(&self.for_server()).expect("a plan serializes");
        Digest::plan(self.key_set, &json)
    }

    /// An empty manifest of this plan: a fresh id, the role, the round and, for a model, the
    /// upload it was trained on.
    ///
    /// # Errors
    /// [`WorkflowError::Entropy`].
    pub fn manifest(&self, role: Role, round: usize, trained_from: Option<Id>) -> Result<Manifest> {
        Ok(Manifest {
            key_set: self.key_set,
            id: Id::random()?,
            role,
            round,
            trained_from,
            plan: self.digest(),
            objects: Vec::new(),
            rounds: Vec::new(),
        })
    }
}
