//! The server's command: `train`, with public material only.

use super::bundle::{self, refuse_secrets};
use super::schema::{Manifest, Plan};
use super::store::{self, Place};
use crate::error::{Error, Result, WorkflowError};
use crate::files::OutputDir;
use crate::progress::{stages, Progress};
use circuits::protocol::{model_objects, ModelAndPrevious, Role};
use ckks::eval::{CkksEvaluator, Observed};
use ckks::Ciphertext;
use linalg::LinAlg;
use std::path::Path;

/// `train`: the server trains on the uploaded inputs with public material only; `resume` is
/// required for (and only allowed on) the inputs of a later round. The inputs must be of the
/// server's key set, and every tile in its place.
///
/// # Errors
/// [`WorkflowError::SecretKeyOnServer`]; plan, upload, key and file errors.
pub fn train(server: &Path, inputs: &Path, resume: bool, out: &Path) -> Result<()> {
    refuse_secrets(inputs)?;
    let dir = OutputDir::create("--out", out, &store::MODEL, &[server, inputs], false)?;
    let s = bundle::load_server(server)?;
    let (ctx, plan) = (&s.ctx, &s.plan);
    match plan.epochs {
        Some(_) if resume => {
            return Err(Error::InvalidOption {
                flag: "--resume",
                value: "given".into(),
                expected: "not to be given: a plan with epochs trains every round in one run",
            })
        }
        Some(_) => {}
        None => plan.refuse_bootstrapping(&s.plan_path())?,
    }
    let manifest = store::read_manifest(inputs, Role::Upload, plan, &s.plan_path())?;
    if plan.epochs.is_some() {
        return super::epochs::train(&s, inputs, &manifest, dir);
    }
    let round = manifest.round;
    if resume != (round > 0) {
        return Err(
            WorkflowError::Round { path: inputs.join("manifest.json"), round, resume }.into()
        );
    }
    // The server has no data: a zero matrix of the right shape stands for it in the circuit's
    // bookkeeping (shapes only; bounded by the plan's check).
    let shape = plan.shape_only();
    let training = plan.training(&shape, round)?;
    let expected = training.upload(ctx.slots(), ctx.max_level())?;
    store::check_manifest(inputs, &manifest, Place::Own, &expected)?;
    let uploaded =
        training.inputs_from(store::read_objects(ctx, inputs, &manifest, Place::Own)?)?;
    let he = s.evaluator()?;
    let total = training.cost(ctx.log_n())?.counts.key_switches();
    let progress = Progress::new(
        plan.circuit.name(),
        total,
        training.depth()?,
        stages(&training, ctx.slots())?,
    );
    let watched = Observed::with_observer(he, progress);
    let t = std::time::Instant::now();
    let trained = training.run_on_with_previous(&watched, &uploaded)?;
    watched.observer().finish();
    println!("trained in {:.2} s", t.elapsed().as_secs_f64());
    write_model(dir, (&watched, plan), trained, (round, &manifest))
}

/// Writes the model `trained` (the last round's `(w_k, w_{k-1})`) as round `round`, trained on
/// the upload `upload`, into `dir` and commits it.
///
/// # Errors
/// The toolkit's errors; [`Error::Io`], [`Error::Json`].
pub(super) fn write_model<E: CkksEvaluator<Value = Ciphertext>>(
    mut dir: OutputDir,
    (e, plan): (&E, &Plan),
    trained: ModelAndPrevious<Ciphertext>,
    (round, upload): (usize, &Manifest),
) -> Result<()> {
    let la = LinAlg::new(e);
    let objects = model_objects(trained)
        .into_iter()
        .map(|(name, o)| {
            let spec = o.spec(&la, name)?;
            Ok((spec, o.into_tiles().iter().map(|t| t.to_bytes()).collect()))
        })
        .collect::<Result<Vec<_>>>()?;
    let model = plan.manifest(Role::Model, round, Some(upload.id))?;
    store::write_objects(&mut dir, model, objects)?;
    dir.commit()
}
