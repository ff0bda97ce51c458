//! The manifests of uploads and models, and the client's state between rounds.

use super::{invalid, same_key_set, Plan, WorkflowFile};
use crate::error::{Result, WorkflowError};
use crate::workflow::identity::{Digest, Id};
use crate::workflow::limits;
use circuits::protocol::{ObjectSpec, Role};
use ckks::Context;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What an upload or a model directory holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The key set its objects are encrypted under.
    pub key_set: Id,
    /// This upload's or model's id (every tile carries it).
    pub id: Id,
    /// Upload or model.
    pub role: Role,
    /// The training round (0 for the first k minibatches; each resume adds one).
    pub round: usize,
    /// A model: the id of the upload it was trained on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trained_from: Option<Id>,
    /// The digest of the plan it was made under ([`Plan::digest`]).
    pub plan: Digest,
    /// The objects, each as `<slug>.<tile>.ct` files (empty in an epoch upload).
    pub objects: Vec<ObjectSpec>,
    /// An epoch upload (`encrypt` under a plan with `epochs`): the objects of every round of the
    /// schedule, round `r` at index `r`, as `r<r>.<slug>.<tile>.ct` files. Empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<Vec<ObjectSpec>>,
}

impl WorkflowFile for Manifest {
    const NAME: &'static str = "manifest.json";

    /// The plan (and its file), and the role expected.
    type Against<'a> = (&'a Plan, &'a Path, Role);

    fn check(&self, path: &Path, (plan, plan_path, role): Self::Against<'_>) -> Result<()> {
        same_key_set(path, self.key_set, plan, plan_path)?;
        if self.plan != plan.digest() {
            return Err(WorkflowError::PlanDiffers {
                path: path.into(),
                reference: plan_path.into(),
            }
            .into());
        }
        if self.role != role {
            return Err(invalid(
                path,
                "role",
                match role {
                    Role::Upload => "this is a model, not an upload",
                    Role::Model => "this is an upload, not a model",
                },
            ));
        }
        if let Some(o) = self
            .objects
            .iter()
            .chain(self.rounds.iter().flatten())
            .find(|o| o.name().role() != self.role)
        {
            return Err(WorkflowError::Protocol {
                path: path.into(),
                source: circuits::CircuitError::UnexpectedObject { name: o.name() },
            }
            .into());
        }
        if self.trained_from.is_some() != (self.role == Role::Model) {
            return Err(invalid(path, "trained_from", "a model's (only) names its upload"));
        }
        // An epoch plan's uploads list rounds, and only its uploads do.
        let epoch_upload = plan.epochs.is_some() && self.role == Role::Upload;
        if epoch_upload == self.rounds.is_empty() || epoch_upload && !self.objects.is_empty() {
            return Err(invalid(
                path,
                "rounds",
                if epoch_upload {
                    "an upload under a plan with epochs lists its objects round by round"
                } else {
                    "only an upload under a plan with epochs lists rounds"
                },
            ));
        }
        if epoch_upload && self.round != 0 {
            return Err(invalid(path, "round", "an epoch upload starts at round 0"));
        }
        plan.check_round(path, "round", self.round, false)
    }
}

/// What the client keeps between rounds: the decrypted state `(w_k, v_k)` after `round`
/// (padded to the plan's width).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// The key set of the model it was decrypted from.
    pub key_set: Id,
    /// The round it ends.
    pub round: usize,
    /// The model it was decrypted from.
    pub model: Id,
    /// `w_k`.
    pub w: Vec<f64>,
    /// `v_k`.
    pub v: Vec<f64>,
}

impl WorkflowFile for State {
    const NAME: &'static str = "state.json";

    /// The plan (and its file) and the parameters.
    type Against<'a> = (&'a Plan, &'a Path, &'a Context);

    fn check(&self, path: &Path, (plan, plan_path, ctx): Self::Against<'_>) -> Result<()> {
        same_key_set(path, self.key_set, plan, plan_path)?;
        // The next round must be trainable.
        plan.check_round(path, "round", self.round, true)?;
        let room = limits::value_room(ctx);
        for (field, values) in [("w", &self.w), ("v", &self.v)] {
            if values.len() != plan.width {
                return Err(invalid(
                    path,
                    field,
                    format!("{} values; the plan's width is {}", values.len(), plan.width),
                ));
            }
            if let Some((i, x)) =
                values.iter().enumerate().find(|(_, x)| !x.is_finite() || x.abs() >= room)
            {
                return Err(invalid(
                    path,
                    field,
                    format!("value {i} is {x:e}; the parameters hold values below {room:.3e}"),
                ));
            }
        }
        Ok(())
    }
}
