//! Whole epochs over files (`keygen --epochs E`): the client uploads every round of the `E`
//! epochs once, the server trains them all in one `train` with public material only,
//! bootstrapping the model state between rounds ([`circuits::epoch`]), and one model comes
//! back for `decrypt`.
//!
//! ```text
//! keygen --epochs E   the plan records E, the levels after each bootstrap and sigma
//!                     (`epochs` in plan.json; hyperparameters.minibatches is an epoch's M);
//!                     parameters and keys of the whole run, bootstrapping keys in the bundle
//! encrypt             one upload: every round's objects (manifest `rounds`, tiles
//!                     r<r>.<slug>.<tile>.ct), each at the level where its round reads it
//! train               every round, read from disk one round at a time, bootstrapping between
//! decrypt             the last round's model, as after a single round
//! ```
//!
//! The round-by-round commands (`encrypt --resume-from`, `train --resume`) refuse a plan with
//! epochs, as they refuse one made by `keygen --bootstrap` alone.

use super::bootstrap::Material;
use super::bundle::{Client, Server};
use super::schema::{self, EpochRecord, Manifest, Plan, WorkflowFile};
use super::store::{self, Place};
use crate::args::BootstrapArgs;
use crate::data::Dataset;
use crate::error::{Error, Result, WorkflowError};
use crate::files::OutputDir;
use crate::params::bootstrap_log_n;
use circuits::epoch::{EpochEvent, EpochTraining};
use circuits::protocol::{ObjectSpec, Role};
use ckks::{Context, Prng, Security};
use linalg::PlainMatrix;
use std::path::Path;
use std::time::Instant;

/// Levels after each bootstrap unless `--bootstrap-levels` says otherwise: 10 fit the 128-bit
/// bound at `N = 2^16` with the default bootstrap; from there each circuit takes its own
/// ([`EpochTraining::own_levels`]: 11 for both circuits).
pub const LEVELS: usize = 10;
/// The state bound `sigma` unless `--state-bound` says otherwise.
pub const STATE_BOUND: u32 = 8;

/// With `--epochs`: records the epochs in `plan` and, when `--minibatches` was not given
/// (`boot.whole_epoch`), makes every full minibatch of the training set an epoch's.
///
/// # Errors
/// [`Error::InvalidOption`] for fewer rows than one minibatch.
pub(super) fn prepare(plan: &mut Plan, data: &Dataset, boot: &BootstrapArgs) -> Result<()> {
    let Some(epochs) = boot.epochs else { return Ok(()) };
    if boot.whole_epoch {
        let b = plan.hyperparameters.batch_size.max(1);
        plan.hyperparameters.minibatches = data.train.len() / b;
        if plan.hyperparameters.minibatches == 0 {
            return Err(Error::InvalidOption {
                flag: "--batch-size",
                value: b.to_string(),
                expected: "at most the training rows (an epoch has at least one minibatch)",
            });
        }
    }
    plan.epochs = Some(EpochRecord {
        epochs,
        levels: boot.bootstrap_levels.unwrap_or(LEVELS),
        state_bound: boot.state_bound.unwrap_or(STATE_BOUND),
    });
    Ok(())
}

/// Parameters of the whole run on `z` (an epoch's rows) at `N = 2^16`, 128-bit (the INSECURE
/// toy ring with `quick`), and its keys: the circuit's (the rotations and products of one
/// symbolic run over every round and crossing) and the bootstrapping keys. Sets the plan's
/// encoding unit. With `own_levels` (no `--bootstrap-levels`), the plan's levels after a
/// bootstrap become the circuit's own ([`EpochTraining::own_levels`]).
///
/// # Errors
/// The parameter errors of [`EpochTraining::parameters`] (too many levels for the bound, a
/// state beyond sigma in the plaintext run); as [`Material::generate`].
pub(super) fn generate(
    plan: &mut Plan,
    z: &PlainMatrix,
    quick: bool,
    own_levels: bool,
    prng: &mut Prng,
) -> Result<Material> {
    let security = if quick { Security::InsecureToyParameters } else { Security::HeStandard128 };
    let mut t = plan.epoch_training(z)?.expect("prepare recorded the epochs");
    if own_levels {
        t.config.levels = t.own_levels(bootstrap_log_n(quick), security)?;
    }
    if let Some(e) = plan.epochs.as_mut() {
        e.levels = t.config.levels;
    }
    println!("epochs: {} levels after each bootstrap", t.config.levels);
    let schedule = t.schedule()?;
    println!(
        "epochs: {} rounds, {} bootstraps, {:.2} minibatches per bootstrap",
        schedule.rounds.len(),
        schedule.bootstraps(),
        schedule.minibatches_per_bootstrap()
    );
    let params = t.parameters(bootstrap_log_n(quick), security)?;
    plan.unit_height = t.unit(params.context.slots())?.height();
    let boot = params.bootstrap.as_deref().expect("epoch parameters bootstrap").clone();
    Material::generate(params.context, boot, &params.rotations, prng)
}

/// `encrypt` under a plan with epochs: every round's inputs into the upload `dir`, round by
/// round (one round's ciphertexts in memory at a time).
///
/// # Errors
/// [`Error::InvalidOption`] for `--resume-from`; data, plan and file errors.
pub(super) fn encrypt(
    c: &Client,
    data: &Dataset,
    resume: Option<&Path>,
    mut dir: OutputDir,
) -> Result<()> {
    if let Some(r) = resume {
        return Err(Error::InvalidOption {
            flag: "--resume-from",
            value: r.display().to_string(),
            expected: "not to be given: a plan with epochs uploads every round at once",
        });
    }
    let (ctx, plan) = (&c.ctx, &c.plan);
    let z = data.round(0, plan.rows_per_round())?;
    let t = plan.epoch_training(&z)?.expect("called for a plan with epochs");
    let schedule = t.schedule()?;
    let mut manifest = plan.manifest(Role::Upload, 0, None)?;
    let mut prng = Prng::from_os_entropy();
    let (mut bytes, mut tiles) = (0, 0);
    let clock = Instant::now();
    for r in &schedule.rounds {
        let (specs, plain) = t.round_inputs(r, ctx.slots())?;
        for (spec, sealed) in super::client::seal_inputs(c, &specs, &plain, &mut prng)? {
            bytes += store::write_tiles(
                &mut dir,
                &manifest,
                Place::EpochRound(r.index),
                &spec,
                &sealed,
            )?;
            tiles += sealed.len();
        }
        manifest.rounds.push(specs);
    }
    schema::save(&mut dir, &manifest)?;
    let out = dir.target().to_path_buf();
    dir.commit()?;
    println!(
        "{} rounds of {} epoch(s): {tiles} ciphertexts, {bytes} bytes (seeded) in {}, {:.1} s",
        schedule.rounds.len(),
        t.config.epochs,
        out.display(),
        clock.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `train` under a plan with epochs: checks that the upload lists every round's objects as the
/// schedule expects, then trains every round, reading each round's tiles when it starts, and
/// bootstraps the state between rounds; writes the last round's model.
///
/// # Errors
/// [`WorkflowError::InvalidField`] for an upload of another number of rounds,
/// [`WorkflowError::Protocol`] for a round's objects that differ from the schedule's; tile,
/// evaluation and file errors.
pub(super) fn train(s: &Server, inputs: &Path, manifest: &Manifest, dir: OutputDir) -> Result<()> {
    let (ctx, plan) = (&s.ctx, &s.plan);
    // The server has no data: zeros of an epoch's shape stand for it (shapes only).
    let shape = plan.shape_only();
    let t = plan.epoch_training(&shape)?.expect("called for a plan with epochs");
    let schedule = t.schedule()?;
    let rounds = schedule.rounds.len();
    if manifest.rounds.len() != rounds {
        return Err(WorkflowError::InvalidField {
            path: inputs.join(Manifest::NAME),
            field: "rounds",
            problem: format!("{} rounds; the plan's schedule has {rounds}", manifest.rounds.len()),
        }
        .into());
    }
    for r in &schedule.rounds {
        let expected = t.upload(r, ctx.slots())?;
        store::check_manifest(inputs, manifest, Place::EpochRound(r.index), &expected)?;
    }
    let he = s.evaluator()?;
    println!(
        "{} epoch(s) of {} minibatches: {rounds} rounds, {} bootstraps",
        t.config.epochs,
        t.config.cfg.minibatches,
        schedule.bootstraps()
    );
    let m = t.config.cfg.minibatches;
    let (start, mut lap) = (Instant::now(), Instant::now());
    let mut bootstrap_seconds = 0.0;
    let trained = t.serve(
        &he,
        |r| store::read_objects(ctx, inputs, manifest, Place::EpochRound(r.index)),
        |event| match event {
            EpochEvent::Round(r) => {
                lap = Instant::now();
                eprintln!("{}: training", r.label(m, rounds));
            }
            EpochEvent::Trained(..) => {}
            EpochEvent::Bootstrapping(r) => {
                eprintln!(
                    "round {}/{rounds}: trained in {:.1} s; bootstrapping the state",
                    r.index + 1,
                    lap.elapsed().as_secs_f64()
                );
                lap = Instant::now();
            }
            EpochEvent::Bootstrapped(..) => bootstrap_seconds += lap.elapsed().as_secs_f64(),
        },
    )?;
    println!(
        "trained {rounds} rounds in {:.1} s ({bootstrap_seconds:.1} s bootstrapping)",
        start.elapsed().as_secs_f64()
    );
    super::server::write_model(dir, (&he, plan), trained, (rounds - 1, manifest))
}

/// What the client expects back from an epoch run (the last round's model parts and `eta` of
/// the last iteration); the model must be of the last round.
///
/// # Errors
/// [`WorkflowError::InvalidField`] for a model of another round.
pub(super) fn returned(
    t: &EpochTraining<'_>,
    ctx: &Context,
    model_dir: &Path,
    round: usize,
) -> Result<(Vec<ObjectSpec>, f64)> {
    let last = t.schedule()?.rounds.len() - 1;
    if round != last {
        return Err(WorkflowError::InvalidField {
            path: model_dir.join(Manifest::NAME),
            field: "round",
            problem: format!("{round}: the plan's epochs end with round {last}"),
        }
        .into());
    }
    Ok(t.returned(ctx.slots())?)
}
