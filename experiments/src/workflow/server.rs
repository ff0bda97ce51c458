//! The server's command: `train`, with public material only.

use super::client::load_params;
use super::schema::{self, Plan};
use super::store;
use crate::error::{Error, Result};
use crate::files::OutputDir;
use crate::progress::{stages, Progress};
use circuits::protocol::{model_objects, Role};
use ckks::eval::{HomomorphicEvaluator, Observed};
use ckks::{EvaluationKeys, Evaluator, GaloisKeys, RelinearizationKey};
use linalg::LinAlg;
use std::path::Path;

/// The largest key file read.
const MAX_KEYS: u64 = 1 << 36;

/// `train`: the server trains on the uploaded inputs with public material only; `resume` is
/// required for (and only allowed on) the inputs of a later round.
///
/// # Errors
/// [`Error::SecretKeyOnServer`]; plan, upload, key and file errors.
pub fn train(server: &Path, inputs: &Path, resume: bool, out: &Path) -> Result<()> {
    store::refuse_secrets(server)?;
    store::refuse_secrets(inputs)?;
    let ctx = load_params(server)?;
    let plan: Plan = schema::load(server)?;
    let object = |path: std::path::PathBuf| move |source| Error::Object { path, source };
    let relinearization = match server.join("relin.key") {
        p if p.exists() => Some(
            RelinearizationKey::from_bytes(&ctx, &crate::files::read_bounded(&p, MAX_KEYS)?)
                .map_err(object(p))?,
        ),
        _ => None,
    };
    let galois_path = server.join("galois.keys");
    let galois = GaloisKeys::from_bytes(&ctx, &crate::files::read_bounded(&galois_path, MAX_KEYS)?)
        .map_err(object(galois_path))?;
    let he = HomomorphicEvaluator::new(Evaluator::new(
        &ctx,
        EvaluationKeys { relinearization, galois },
    )?);
    let manifest = store::read_manifest(inputs, Role::Upload)?;
    let round = manifest.round;
    if resume != (round > 0) {
        return Err(Error::Round { path: inputs.join("manifest.json"), round, resume });
    }
    // The server has no data: a zero matrix of the right shape stands for it in the circuit's
    // bookkeeping (shapes only).
    let shape = plan.shape_only();
    let training = plan.training(&shape, round)?;
    let expected = training.upload(ctx.slots(), ctx.max_level())?;
    store::check_manifest(inputs, &manifest, &expected)?;
    let uploaded = training.inputs_from(store::read_objects(&ctx, inputs, &manifest)?)?;
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
    let la = LinAlg::new(&watched);
    let objects = model_objects(trained)
        .into_iter()
        .map(|(name, o)| {
            let spec = o.spec(&la, name)?;
            Ok((spec, o.into_tiles().iter().map(|t| t.to_bytes()).collect()))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut dir = OutputDir::create(out)?;
    store::write_objects(&mut dir, Role::Model, round, objects)?;
    dir.commit()
}
