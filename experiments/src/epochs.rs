//! `epochs`: whole epochs on the server alone. The client encrypts every round's uploads once;
//! the server trains round after round and bootstraps the model state between rounds
//! ([`circuits::epoch`]); one encrypted model comes back. Reports, for both circuits beside
//! plaintext training of the same minibatches: bootstraps, levels per minibatch between them,
//! time in bootstrapping and in training, upload and key sizes, test accuracy, the largest
//! weight error (per epoch too), and the curves of accuracy and weight error after each round
//! (JSON and an SVG plot), with the learned weights as images for MNIST.

use crate::data::{self, DataSpec, Dataset, Source};
use crate::error::Result;
use crate::hyper::Hyperparameters;
use crate::report::gib;
use crate::report::{peak_rss, reset_peak_rss, write_weights_svg, Machine};
use circuits::epoch::{EpochConfig, EpochEvent, EpochTraining, Schedule};
use circuits::reference::{accuracy, train, TrainConfig};
use circuits::training::{decode_model, Kind};
use ckks::eval::HomomorphicEvaluator;
use ckks::{EvaluationKeys, Evaluator, Prng, Security};
use linalg::decode_col;
use linalg::PlainMatrix;
use serde::Serialize;
use std::cell::Cell;
use std::path::PathBuf;
use std::time::Instant;

mod plot;
mod sensitivity;
mod table;

pub use sensitivity::LOG2_PERTURBATION;
use table::{describe_schedule, print_table};

/// Options of the command.
#[derive(Clone, Debug)]
pub struct Options {
    /// The data.
    pub data: DataSpec,
    /// The hyperparameters (`minibatches` is the epoch's).
    pub hyper: Hyperparameters,
    /// Every full minibatch of the training set makes the epoch (`hyper.minibatches` ignored).
    pub whole_epoch: bool,
    /// Epochs.
    pub epochs: usize,
    /// Levels after a bootstrap, for every circuit; `None`: each circuit's own
    /// ([`EpochTraining::own_levels`] from [`crate::workflow::epochs::LEVELS`]).
    pub levels: Option<usize>,
    /// The state bound `sigma`.
    pub state_bound: u32,
    /// Small INSECURE parameters (`N = 2^11`).
    pub quick: bool,
    /// Where to write the JSON results (the plot and the weights beside it).
    pub json: Option<PathBuf>,
    /// Threads (rayon).
    pub threads: usize,
    /// Circuits to run.
    pub circuits: Vec<Kind>,
}

/// The ring of quick runs.
pub const QUICK_LOG_N: u32 = 11;
/// The ring of 128-bit runs: the smallest whose bound holds the bootstrapping primes.
pub const LOG_N: u32 = 16;

/// Test accuracy and weight error after some iterations.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Point {
    /// Iterations (minibatches) trained.
    pub iteration: usize,
    /// Test accuracy of the model then.
    pub test_accuracy: f64,
    /// Largest absolute difference from plaintext training's weights then.
    pub max_weight_error: f64,
}

/// One row of the table.
#[derive(Clone, Debug, Serialize)]
pub struct EpochRun {
    /// `"plaintext"`, `"baseline"` or `"lowdepth"`.
    pub circuit: String,
    /// Epochs.
    pub epochs: usize,
    /// Minibatches trained in all (`E M`).
    pub minibatches: usize,
    /// Minibatches per epoch `M`.
    pub minibatches_per_epoch: usize,
    /// `b`.
    pub batch_size: usize,
    /// Rounds between bootstraps.
    pub rounds: usize,
    /// Bootstraps (of the state's one ciphertext each).
    pub bootstraps: usize,
    /// Levels after each bootstrap.
    pub levels_after_bootstrap: usize,
    /// Minibatches per bootstrap, on average.
    pub minibatches_per_bootstrap: f64,
    /// log2 N (0 for plaintext).
    pub log_n: u32,
    /// log2 QP (0 for plaintext).
    pub log_qp: f64,
    /// Whether the parameters passed the 128-bit checks.
    pub secure: bool,
    /// Seconds in bootstrapping (the crossings: packing, bootstraps, unpacking).
    pub bootstrap_seconds: f64,
    /// Seconds in the rounds' circuits.
    pub training_seconds: f64,
    /// The server's whole run.
    pub wall_seconds: f64,
    /// `wall_seconds / epochs`.
    pub seconds_per_epoch: f64,
    /// The client's encryption of every upload (each round's when the server asks for it; not
    /// in `wall_seconds`).
    pub encrypt_seconds: f64,
    /// Key generation.
    pub keygen_seconds: f64,
    /// Bytes uploaded (every round's inputs, no compression).
    pub upload_bytes: usize,
    /// Bytes of the server's keys: relinearization and Galois keys of training and
    /// bootstrapping, the transforms' keys and the encapsulation keys.
    pub key_bytes: usize,
    /// Threads.
    pub threads: usize,
    /// Peak resident memory of the process.
    pub peak_rss_bytes: u64,
    /// Test accuracy of the model.
    pub test_accuracy: f64,
    /// Test accuracy of plaintext training of the same minibatches.
    pub plaintext_accuracy: f64,
    /// Largest absolute weight difference from plaintext training.
    pub max_weight_error: f64,
    /// The largest weight error seen within each epoch.
    pub max_weight_error_per_epoch: Vec<f64>,
    /// The largest change of a coordinate of `w` or `v` across each bootstrap: the decrypted
    /// state after the crossing (pack, bootstrap, unpack) against the one before it.
    pub crossing_errors: Vec<f64>,
    /// The largest slot `|w + i v| / sigma` entering each bootstrap (the bootstrap covers
    /// `|z| <= 1`).
    pub crossing_inputs: Vec<f64>,
    /// `eps` of the plaintext sensitivity run (2^[`LOG2_PERTURBATION`]; 0 for plaintext).
    pub perturbation: f64,
    /// The largest weight error within each epoch of plaintext training of the same rounds
    /// with uniform noise in `[-eps, eps]` on `w` and `v` at each crossing (how much error the
    /// optimizer alone makes of a crossing's error; empty for plaintext).
    pub perturbed_weight_error_per_epoch: Vec<f64>,
    /// After each round.
    pub curve: Vec<Point>,
}

/// Runs the experiment and prints the table.
///
/// # Errors
/// Data, configuration, parameter or evaluation errors.
pub fn run(opts: &Options) -> Result<Vec<EpochRun>> {
    let log_n = if opts.quick { QUICK_LOG_N } else { LOG_N };
    let security =
        if opts.quick { Security::InsecureToyParameters } else { Security::HeStandard128 };
    let t = Instant::now();
    let data = data::load(&opts.data, 1 << (log_n - 1))?;
    println!(
        "data: {} ({:.1} s)",
        crate::reproduce::describe_source(&opts.data),
        t.elapsed().as_secs_f64()
    );
    for line in data.prep.describe(&opts.data) {
        println!("  {line}");
    }
    let mut hyper = opts.hyper.clone();
    if opts.whole_epoch {
        hyper.minibatches = data.train.len() / hyper.batch_size.max(1);
    }
    let cfg = hyper.train_config()?;
    let (b, m) = (cfg.batch_size, cfg.minibatches);
    println!("training: {}, {} epoch(s) of {m} minibatches", hyper.describe(), opts.epochs);
    let machine = Machine::here();
    println!("machine: {}", machine.describe());
    let z = data.round(0, b * m)?;
    let config = EpochConfig {
        cfg: cfg.clone(),
        epochs: opts.epochs,
        levels: opts.levels.unwrap_or(crate::workflow::epochs::LEVELS),
        state_bound: opts.state_bound,
    };

    let t = Instant::now();
    let all = all_epochs(&z, opts.epochs);
    let reference = train(&all, &TrainConfig { minibatches: opts.epochs * m, ..cfg.clone() })?.w;
    let ref_wall = t.elapsed().as_secs_f64();
    let ref_curve: Vec<Point> = reference
        .iter()
        .enumerate()
        .map(|(i, w)| Point {
            iteration: i,
            test_accuracy: test_accuracy(&data, w),
            max_weight_error: 0.0,
        })
        .collect();
    let ref_model = reference.last().expect("w_0 at least").clone();
    let ref_acc = test_accuracy(&data, &ref_model);
    let mut runs = vec![EpochRun {
        circuit: "plaintext".into(),
        epochs: opts.epochs,
        minibatches: opts.epochs * m,
        minibatches_per_epoch: m,
        batch_size: b,
        rounds: 1,
        bootstraps: 0,
        levels_after_bootstrap: 0,
        minibatches_per_bootstrap: 0.0,
        log_n: 0,
        log_qp: 0.0,
        secure: true,
        bootstrap_seconds: 0.0,
        training_seconds: ref_wall,
        wall_seconds: ref_wall,
        seconds_per_epoch: ref_wall / opts.epochs as f64,
        encrypt_seconds: 0.0,
        keygen_seconds: 0.0,
        upload_bytes: 0,
        key_bytes: 0,
        threads: opts.threads,
        peak_rss_bytes: 0,
        test_accuracy: ref_acc,
        plaintext_accuracy: ref_acc,
        max_weight_error: 0.0,
        max_weight_error_per_epoch: vec![0.0; opts.epochs],
        crossing_errors: Vec::new(),
        crossing_inputs: Vec::new(),
        perturbation: 0.0,
        perturbed_weight_error_per_epoch: Vec::new(),
        curve: ref_curve,
    }];
    let mut models = vec![("plaintext".to_string(), ref_model)];
    for &kind in &opts.circuits {
        let mut t = EpochTraining::new(kind, config.clone(), &z)?;
        if opts.levels.is_none() {
            t.config.levels = t.own_levels(log_n, security)?;
            println!(
                "[{kind}] {} levels after each bootstrap: its own (--levels sets one for every \
                 circuit)",
                t.config.levels
            );
        }
        let schedule = t.schedule()?;
        println!("[{kind}] {}", describe_schedule(&schedule));
        if let Some(more) = t.one_more_level(log_n, security)? {
            println!(
                "[{kind}] note: with --levels {} (the same digits and special primes) it would take \
                 {} bootstraps instead of {}; compare circuits each at the levels that suit it",
                more.levels,
                more.bootstraps(),
                schedule.bootstraps()
            );
        }
        let eps = 2f64.powi(LOG2_PERTURBATION);
        let ks: Vec<usize> = schedule.rounds.iter().map(|r| r.minibatches).collect();
        let perturbed = sensitivity::perturbed_errors(&all, &cfg, &ks, &reference, m, eps)?;
        eprintln!(
            "[{kind}] plaintext, the same rounds, noise of +-2^{LOG2_PERTURBATION} on w and v at \
             each crossing: largest weight error per epoch {}",
            table::list(&perturbed)
        );
        let (mut run, w) = encrypted(opts, &t, &schedule, &data, &reference, log_n, security)?;
        (run.perturbation, run.perturbed_weight_error_per_epoch) = (eps, perturbed);
        runs.push(run);
        models.push((kind.name().to_string(), w));
    }
    print_table(&runs, opts.quick);
    if let Some(path) = &opts.json {
        #[derive(Serialize)]
        struct Doc<'a> {
            machine: &'a Machine,
            data: &'a DataSpec,
            preprocessing: &'a data::Preprocessing,
            hyperparameters: &'a Hyperparameters,
            levels_after_bootstrap: Option<usize>,
            state_bound: u32,
            runs: &'a [EpochRun],
        }
        let doc = Doc {
            machine: &machine,
            data: &opts.data,
            preprocessing: &data.prep,
            hyperparameters: &hyper,
            levels_after_bootstrap: opts.levels,
            state_bound: opts.state_bound,
            runs: &runs,
        };
        crate::files::write_json(path, &doc)?;
        let curves = path.with_extension("curves.svg");
        crate::files::write_atomic(&curves, plot::curves_svg(&runs).as_bytes())?;
        println!("wrote {} and {}", path.display(), curves.display());
        if let Source::Mnist { .. } = opts.data.source {
            let svg = path.with_extension("weights.svg");
            write_weights_svg(&svg, &models, 14)?;
            println!("wrote {}", svg.display());
        }
    }
    Ok(runs)
}

/// Every epoch's rows in order: `z` repeated `epochs` times.
fn all_epochs(z: &PlainMatrix, epochs: usize) -> PlainMatrix {
    let rows = z.rows();
    PlainMatrix::from_fn(epochs * rows, z.cols(), |i, j| z.get(i % rows, j))
}

/// One circuit's run: keys, the client's encryption of every round, the server's run with a
/// decryption after each round (the experiment's instrument, on the client's side).
fn encrypted(
    opts: &Options,
    t: &EpochTraining<'_>,
    schedule: &Schedule,
    data: &Dataset,
    reference: &[Vec<f64>],
    log_n: u32,
    security: Security,
) -> Result<(EpochRun, Vec<f64>)> {
    let kind = t.kind;
    let clock = Instant::now();
    let params = t.parameters(log_n, security)?;
    eprintln!(
        "[{kind}] parameters in {:.1} s:\n  {}",
        clock.elapsed().as_secs_f64(),
        params.summary().replace('\n', "\n  ")
    );
    let mut prng = Prng::from_os_entropy();
    let clock = Instant::now();
    let keys = params.generate_keys(&mut prng);
    let keygen = clock.elapsed().as_secs_f64();
    let ctx = &params.context;
    let key_bytes = key_bytes(&keys);
    eprintln!("[{kind}] keys in {keygen:.1} s: {:.2} GiB for the server", gib(key_bytes as u64));
    // The client encrypts with its secret key and evaluates nothing ...
    let client = HomomorphicEvaluator::with_secret_key(
        Evaluator::new(ctx, EvaluationKeys::default())?,
        keys.secret_key.clone(),
    )?;
    let mut upload_bytes = 0;
    for r in &schedule.rounds {
        upload_bytes += t.upload(r, ctx.slots())?.iter().map(|s| s.bytes(ctx.n())).sum::<usize>();
    }
    // Each round's uploads are encrypted when the server asks for them (as `train` reads them
    // from disk), so that one round's are in memory at a time; the client's time is kept apart
    // from the server's.
    // (lap: since the round started; total: the whole run).
    let (encrypt_lap, encrypt_total) = (Cell::new(0.0), Cell::new(0.0));
    let encrypt_round = |r: &circuits::epoch::Round| {
        let clock = Instant::now();
        let objects = t.encrypt_round(&client, r);
        let s = clock.elapsed().as_secs_f64();
        encrypt_lap.set(encrypt_lap.get() + s);
        encrypt_total.set(encrypt_total.get() + s);
        objects
    };
    // ... the server holds public material only: evaluation and bootstrapping keys.
    let server = params.homomorphic(&keys)?;
    let sk = keys.secret_key.clone();
    let d = data.width();
    let m = t.config.cfg.minibatches;
    let mut curve = vec![Point {
        iteration: 0,
        test_accuracy: test_accuracy(data, &reference[0]),
        max_weight_error: 0.0,
    }];
    let mut clocks = Clocks::default();
    let rounds = schedule.rounds.len();
    let decrypt = |ct: &ckks::Ciphertext| ctx.decode(&sk.decrypt(ct)?);
    // The state before a crossing (decrypted), and each crossing's largest error.
    let mut crossing: Option<(Vec<f64>, Vec<f64>)> = None;
    let mut crossing_errors = Vec::new();
    let mut crossing_inputs = Vec::new();
    reset_peak_rss();
    let start = Instant::now();
    let model = t.serve(&server, encrypt_round, |event| match event {
        EpochEvent::Round(r) => {
            clocks.mark();
            eprintln!("[{kind}] {}: training", r.label(m, rounds));
        }
        EpochEvent::Trained(r, (w, previous)) => {
            // The round's lap, less the client's encryption of its uploads.
            clocks.training += clocks.lap() - encrypt_lap.replace(0.0);
            // The experiment's instrument: the client's decryption of the round's model (and
            // of the state that crosses, to measure the crossing), out of the clocks.
            let got = decode_model(w, d, decrypt);
            if let Ok(got) = got {
                let i = r.first_iteration + r.minibatches;
                let err = max_abs_diff(&got, &reference[i]);
                curve.push(Point {
                    iteration: i,
                    test_accuracy: test_accuracy(data, &got),
                    max_weight_error: err,
                });
                crossing = decode_model(previous, d, decrypt).ok().map(|prev| {
                    let v = t.crossing(r).plain_v(&got, &prev);
                    (got.clone(), v)
                });
            }
            clocks.mark();
        }
        EpochEvent::Bootstrapping(r) => {
            clocks.training += clocks.lap();
            eprintln!("[{kind}] round {}/{rounds}: bootstrapping the state", r.index + 1);
        }
        EpochEvent::Bootstrapped(_, (w, v)) => {
            clocks.bootstrap += clocks.lap();
            let col = |c| decode_col(c, decrypt).map(|x| x[..d].to_vec());
            if let (Some((w0, v0)), Ok(w1), Ok(v1)) = (crossing.take(), col(w), col(v)) {
                crossing_errors.push(max_abs_diff(&w0, &w1).max(max_abs_diff(&v0, &v1)));
                let z = w0.iter().zip(&v0).map(|(a, b)| a.hypot(*b)).fold(0.0, f64::max);
                crossing_inputs.push(z / f64::from(t.config.state_bound));
            }
            clocks.mark();
        }
    })?;
    let encrypt = encrypt_total.get();
    let wall = start.elapsed().as_secs_f64() - encrypt;
    clocks.training += clocks.lap();
    let w = decode_model(&model.0, d, decrypt)?;
    let acc = test_accuracy(data, &w);
    let err = max_abs_diff(&w, reference.last().expect("w_0 at least"));
    let per_epoch = sensitivity::per_epoch_max(
        curve.iter().map(|p| (p.iteration, p.max_weight_error)),
        m,
        opts.epochs,
    );
    eprintln!("[{kind}] done in {wall:.1} s ({:.1} s bootstrapping)", clocks.bootstrap);
    let run = EpochRun {
        circuit: kind.name().into(),
        epochs: opts.epochs,
        minibatches: schedule.iterations(),
        minibatches_per_epoch: m,
        batch_size: t.config.cfg.batch_size,
        rounds,
        bootstraps: schedule.bootstraps(),
        levels_after_bootstrap: t.config.levels,
        minibatches_per_bootstrap: schedule.minibatches_per_bootstrap(),
        log_n: ctx.log_n(),
        log_qp: ctx.log_qp(),
        secure: ctx.literal().security == Security::HeStandard128,
        bootstrap_seconds: clocks.bootstrap,
        training_seconds: clocks.training,
        wall_seconds: wall,
        seconds_per_epoch: wall / opts.epochs as f64,
        encrypt_seconds: encrypt,
        keygen_seconds: keygen,
        upload_bytes,
        key_bytes,
        threads: opts.threads,
        peak_rss_bytes: peak_rss(),
        test_accuracy: acc,
        plaintext_accuracy: test_accuracy(data, reference.last().expect("w_0 at least")),
        max_weight_error: err,
        max_weight_error_per_epoch: per_epoch,
        crossing_errors,
        crossing_inputs,
        perturbation: 0.0,
        perturbed_weight_error_per_epoch: Vec::new(),
        curve,
    };
    Ok((run, w))
}

/// Time split between training and bootstrapping, lap by lap.
#[derive(Default)]
struct Clocks {
    last: Option<Instant>,
    training: f64,
    bootstrap: f64,
}

impl Clocks {
    fn mark(&mut self) {
        self.last = Some(Instant::now());
    }

    /// Seconds since the last mark or lap.
    fn lap(&mut self) -> f64 {
        let now = Instant::now();
        let s = self.last.map_or(0.0, |t| (now - t).as_secs_f64());
        self.last = Some(now);
        s
    }
}

/// Bytes of the server's keys: the bootstrapping key set's, which holds the circuit's
/// evaluation keys too (`BootstrapKeys::byte_size`); the evaluation keys alone without it.
fn key_bytes(keys: &ckks::eval::KeySet) -> usize {
    let e = &keys.evaluation_keys;
    let evaluation =
        || e.galois.byte_size() + e.relinearization.as_ref().map_or(0, |k| k.byte_size());
    keys.bootstrap.as_ref().map_or_else(evaluation, |b| b.byte_size())
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

fn test_accuracy(data: &Dataset, w: &[f64]) -> f64 {
    accuracy(&data.test.x, &data.test.y, w)
}
