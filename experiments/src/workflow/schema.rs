//! The workflow's JSON files, one serde type each, read through [`load`] (bounded, parsed,
//! then checked by [`WorkflowFile::check`]) and written through [`save`].

use crate::data::{DataSpec, Preprocessing};
use crate::error::{Error, Result};
use crate::files::OutputDir;
use crate::hyper::Hyperparameters;
use circuits::protocol::{ObjectSpec, Role};
use circuits::training::{Kind, Training};
use linalg::PlainMatrix;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A JSON file of the workflow.
pub trait WorkflowFile: Serialize + DeserializeOwned {
    /// Its name in its directory.
    const NAME: &'static str;

    /// Checks the values against each other, once, when the file is read.
    ///
    /// # Errors
    /// [`Error::InvalidField`] (or another typed error) naming the file and field.
    fn check(&self, path: &Path) -> Result<()>;
}

/// Reads and checks the file `T::NAME` of `dir`.
///
/// # Errors
/// [`Error::Io`], [`Error::TooLarge`], [`Error::Json`], and what [`WorkflowFile::check`] finds.
pub fn load<T: WorkflowFile>(dir: &Path) -> Result<T> {
    let path = dir.join(T::NAME);
    let value: T = crate::files::read_json(&path)?;
    value.check(&path)?;
    Ok(value)
}

/// Writes `value` as the file `T::NAME` of `out`.
///
/// # Errors
/// [`Error::Io`], [`Error::Json`].
pub fn save<T: WorkflowFile>(out: &mut OutputDir, value: &T) -> Result<()> {
    out.write_json(T::NAME, value)
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

/// Everything the two parties agree on besides the keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The circuit.
    pub circuit: Kind,
    /// The training hyperparameters.
    pub hyperparameters: Hyperparameters,
    /// The encoding unit's height (its width fills the ring's slots).
    pub unit_height: usize,
    /// Bias and features, zero padded: the width of every uploaded object.
    pub width: usize,
    /// The data (the client's plan only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataRecord>,
}

impl WorkflowFile for Plan {
    const NAME: &'static str = "plan.json";

    fn check(&self, path: &Path) -> Result<()> {
        let bad = |field, problem| Err(Error::InvalidField { path: path.into(), field, problem });
        self.hyperparameters.check()?;
        if !self.width.is_power_of_two() || self.width < 2 {
            return bad("width", "must be a power of two of at least 2 (bias and a feature)");
        }
        if !self.unit_height.is_power_of_two() {
            return bad("unit_height", "must be a power of two");
        }
        if let Some(d) = &self.data {
            if d.preprocessing.width != self.width {
                return bad("data.preprocessing.width", "differs from the plan's width");
            }
        }
        Ok(())
    }
}

impl Plan {
    /// Training rows per round (`k b`).
    pub fn rows_per_round(&self) -> usize {
        self.hyperparameters.minibatches * self.hyperparameters.batch_size
    }

    /// The circuit of `round` on `z`. Every round, the first included, starts from an uploaded
    /// state (zero at first; the values travel in the upload), so one set of parameters fits
    /// all rounds of the resumable circuit.
    ///
    /// # Errors
    /// As [`Hyperparameters::train_config`].
    pub fn training<'a>(&self, z: &'a PlainMatrix, round: usize) -> Result<Training<'a>> {
        let mut cfg = self.hyperparameters.train_config()?;
        cfg.start_iteration = round * self.hyperparameters.minibatches;
        let zero = vec![0.0; self.width];
        let t = Training::new(self.circuit, cfg, z).with_state(zero.clone(), zero);
        Ok(if self.unit_height > 0 { t.with_unit_height(self.unit_height) } else { t })
    }

    /// A zero matrix of one round's shape: what stands for the data where only shapes matter
    /// (the server, and the client's expectations of the returned model).
    pub fn shape_only(&self) -> PlainMatrix {
        PlainMatrix::from_fn(self.rows_per_round(), self.width, |_, _| 0.0)
    }

    /// The plan the server gets: without the data's record.
    pub fn for_server(&self) -> Plan {
        Plan { data: None, ..self.clone() }
    }
}

/// What an upload or a model directory holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Upload or model.
    pub role: Role,
    /// The training round (0 for the first k minibatches; each resume adds one).
    pub round: usize,
    /// The objects, each as `<slug>.<tile>.ct` files.
    pub objects: Vec<ObjectSpec>,
}

impl WorkflowFile for Manifest {
    const NAME: &'static str = "manifest.json";

    fn check(&self, path: &Path) -> Result<()> {
        if let Some(o) = self.objects.iter().find(|o| o.name().role() != self.role) {
            return Err(Error::Protocol {
                path: path.into(),
                source: circuits::CircuitError::UnexpectedObject { name: o.name() },
            });
        }
        Ok(())
    }
}

/// What the client keeps between rounds: the decrypted state `(w_k, v_k)` after `round`
/// (padded to the plan's width).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// The round it ends.
    pub round: usize,
    /// `w_k`.
    pub w: Vec<f64>,
    /// `v_k`.
    pub v: Vec<f64>,
}

impl WorkflowFile for State {
    const NAME: &'static str = "state.json";

    fn check(&self, path: &Path) -> Result<()> {
        if self.w.len() != self.v.len() {
            return Err(Error::InvalidField {
                path: path.into(),
                field: "v",
                problem: "has another length than w",
            });
        }
        Ok(())
    }
}
