//! `span --epochs E`: the work and span of whole epochs on the server alone
//! ([`circuits::epoch`]), each circuit's rounds and crossings as one circuit on the parameters
//! of the run (`N = 2^16`, each circuit's own levels after a bootstrap as `epochs` chooses
//! them; the toy ring with `--quick`), a bootstrap costed at the time of one bootstrap measured
//! here on one thread.

use super::{analyse, measure_op_times, thread_cpu_seconds, WorkSpan};
use crate::data::Dataset;
use crate::error::Result;
use crate::params::bootstrap_log_n;
use crate::workflow::epochs::{LEVELS, STATE_BOUND};
use circuits::epoch::{EpochConfig, EpochTraining};
use circuits::reference::TrainConfig;
use circuits::training::Kind;
use ckks::boot::Bootstrapper;
use ckks::eval::{AutoParameters, OpTimes, SymbolicEvaluator};
use ckks::{Prng, SecretKey, Security};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// One circuit's epoch row.
#[derive(Clone, Debug, Serialize)]
pub struct EpochRow {
    /// `baseline` or `lowdepth`.
    pub circuit: &'static str,
    /// Epochs.
    pub epochs: usize,
    /// Minibatches in all.
    pub minibatches: usize,
    /// Bootstraps in all.
    pub bootstraps: usize,
    /// `log2 N`.
    pub log_n: u32,
    /// Levels after each bootstrap ([`EpochTraining::own_levels`]).
    pub levels: usize,
    /// One bootstrap, measured here on one thread (the cost of a bootstrap node).
    pub bootstrap_seconds: f64,
    /// Work, span and predictions (a bootstrap one node).
    pub work_span: WorkSpan,
}

/// The epoch rows of `circuits` on every full minibatch of `data` (an epoch; `k` of them with
/// `quick`), `epochs` times:
/// each at its own levels after a bootstrap, the operation times and one bootstrap measured
/// once per distinct chain (the levels after a bootstrap and the bootstrap's).
///
/// # Errors
/// Data, configuration, parameter and evaluation errors.
pub(super) fn rows(
    data: &Dataset,
    cfg: &TrainConfig,
    (epochs, quick): (usize, bool),
    (points, samples): (usize, usize),
    circuits: &[Kind],
) -> Result<Vec<EpochRow>> {
    let b = cfg.batch_size;
    // An epoch: every full minibatch (with --quick, the k minibatches of the 6-minibatch rows).
    let m = if quick { cfg.minibatches } else { data.train.len() / b.max(1) };
    let cfg = TrainConfig { minibatches: m, ..cfg.clone() };
    let z = data.round(0, cfg.minibatches * b)?;
    let config = EpochConfig { cfg, epochs, levels: LEVELS, state_bound: STATE_BOUND };
    let security = if quick { Security::InsecureToyParameters } else { Security::HeStandard128 };
    let log_n = bootstrap_log_n(quick);
    let mut measured: BTreeMap<usize, (OpTimes, f64)> = BTreeMap::new();
    let mut rows = Vec::new();
    for &kind in circuits {
        let mut t = EpochTraining::new(kind, config.clone(), &z)?;
        t.config.levels = t.own_levels(log_n, security)?;
        let levels = t.config.levels;
        let schedule = t.schedule()?;
        let params = t.parameters(log_n, security)?;
        let (times, boot) = match measured.get(&levels) {
            Some(m) => m.clone(),
            None => {
                eprintln!("[epochs] timing operations and one bootstrap on one thread ...");
                let clock = Instant::now();
                let times = measure_op_times(&params, points, samples, 1)?;
                let boot = bootstrap_seconds(&params)?;
                eprintln!(
                    "[epochs] one bootstrap: {boot:.2} s; timed in {:.1} s",
                    clock.elapsed().as_secs_f64()
                );
                measured.entry(levels).or_insert((times, boot)).clone()
            }
        };
        let plan = params.bootstrap.clone().expect("epoch parameters bootstrap");
        let symbolic =
            SymbolicEvaluator::new(params.context.chain().clone()).with_bootstrap(plan)?;
        let work_span = analyse(&t, &symbolic, &times.with_bootstrap(boot))?;
        rows.push(EpochRow {
            circuit: kind.name(),
            epochs,
            minibatches: schedule.iterations(),
            bootstraps: schedule.bootstraps(),
            log_n: params.context.log_n(),
            levels,
            bootstrap_seconds: boot,
            work_span,
        });
    }
    Ok(rows)
}

/// One bootstrap of a fresh ciphertext at level 0 on a one-thread pool (the thread's CPU time
/// where the OS tells it), with a fresh secret key and exactly the plan's keys.
fn bootstrap_seconds(params: &AutoParameters) -> Result<f64> {
    let ctx = &params.context;
    let plan = params.bootstrap.clone().expect("epoch parameters bootstrap");
    let mut prng = Prng::from_os_entropy();
    let sk = SecretKey::generate(ctx, &mut prng);
    let slots = plan.slots();
    let bt = Bootstrapper::generate(&sk, Arc::clone(&plan), &mut prng)?;
    let values: Vec<f64> = (0..ctx.slots()).map(|i| ((i % slots) as f64 * 0.37).sin()).collect();
    let ct = sk.encrypt(&ctx.encode_at(&values, 0)?, &mut prng)?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    pool.install(|| -> Result<f64> {
        let (wall, cpu) = (Instant::now(), thread_cpu_seconds());
        bt.bootstrap(&ct)?;
        Ok(match (cpu, thread_cpu_seconds()) {
            (Some(a), Some(b)) => b - a,
            _ => wall.elapsed().as_secs_f64(),
        })
    })
}

/// The epoch rows' table.
pub(super) fn print(rows: &[EpochRow]) {
    if rows.is_empty() {
        return;
    }
    println!(
        "\nwhole epochs on the server alone (a bootstrap one node of the time measured here, one thread)"
    );
    println!(
        "{:<10} {:>6} {:>5} {:>3} {:>6} {:>9} {:>9} {:>11} {:>10} {:>7}",
        "circuit",
        "epochs",
        "k",
        "L",
        "boots",
        "boot (s)",
        "KS work",
        "work (s)",
        "span (s)",
        "W/S"
    );
    for r in rows {
        let (ks, s) = (r.work_span.key_switches, r.work_span.seconds);
        println!(
            "{:<10} {:>6} {:>5} {:>3} {:>6} {:>9.2} {:>9.0} {:>11.1} {:>10.1} {:>7.1}",
            r.circuit,
            r.epochs,
            r.minibatches,
            r.levels,
            r.bootstraps,
            r.bootstrap_seconds,
            ks.work,
            s.work,
            s.span,
            r.work_span.parallelism
        );
    }
    println!("predicted time per run on P cores (Brent, the upper bound (W - S)/P + S), seconds");
    print!("{:>4}", "P");
    for r in rows {
        print!(" {:>12}", r.circuit);
    }
    println!();
    for (i, p) in super::CORES.iter().enumerate() {
        print!("{p:>4}");
        for r in rows {
            print!(" {:>12.1}", r.work_span.predictions[i].upper_seconds);
        }
        println!();
    }
}
