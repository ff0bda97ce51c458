//! `reproduce`: the paper's experiment on any binary dataset (MNIST 3 vs 8 by default). Trains k
//! minibatches three ways (plaintext reference, baseline encrypted, low-depth encrypted) at
//! automatically chosen parameters and reports depth, parameters, uploads, operations, time,
//! memory and accuracy.

use crate::data::{self, DataSpec, Dataset, Source};
use crate::error::Result;
use crate::hyper::Hyperparameters;
use crate::progress::{stages, Progress};
use crate::report::{self, baseline_and_lowdepth, gib, mib, peak_rss, reset_peak_rss};
use crate::report::{write_results, write_weights_svg, Machine, Run};
use circuits::reference::{accuracy, train};
use circuits::training::{decode_model, Kind, Training};
use ckks::eval::{
    choose_parameters, AutoOptions, AutoParameters, Counter, HomomorphicEvaluator, Observed,
    Observer, OpCounts,
};
use ckks::{Prng, Security};
use std::path::PathBuf;
use std::time::Instant;

/// Options of the command.
#[derive(Clone, Debug)]
pub struct Options {
    /// The data.
    pub data: DataSpec,
    /// The hyperparameters.
    pub hyper: Hyperparameters,
    /// Small INSECURE parameters (with small minibatches by default).
    pub quick: bool,
    /// Where to write the JSON results.
    pub json: Option<PathBuf>,
    /// Threads (rayon).
    pub threads: usize,
    /// Circuits to run.
    pub circuits: Vec<Kind>,
}

/// The test accuracy of `w` on the dataset's test set.
fn test_accuracy(data: &Dataset, w: &[f64]) -> f64 {
    accuracy(&data.test.x, &data.test.y, w)
}

/// Runs the experiment and prints the table.
///
/// # Errors
/// Data, parameter or evaluation errors.
pub fn run(opts: &Options) -> Result<Vec<Run>> {
    let options = crate::params::auto_options(opts.quick);
    let t = Instant::now();
    let data = data::load(&opts.data, crate::params::max_slots(&options))?;
    println!("data: {} ({:.1} s)", describe_source(&opts.data), t.elapsed().as_secs_f64());
    for line in data.prep.describe(&opts.data) {
        println!("  {line}");
    }
    let cfg = opts.hyper.train_config()?;
    println!("training: {}", opts.hyper.describe());
    let machine = Machine::here();
    println!("machine: {}", machine.describe());
    let (b, k) = (cfg.batch_size, cfg.minibatches);
    for &kind in &opts.circuits {
        opts.hyper.check_for(kind)?;
    }
    let z = data.round(0, b * k)?;

    let mut runs = Vec::new();
    // The plaintext reference.
    reset_peak_rss();
    let t = Instant::now();
    let reference = train(&z, &cfg)?;
    let wall = t.elapsed().as_secs_f64();
    let w_ref = reference.model().to_vec();
    let ref_acc = test_accuracy(&data, &w_ref);
    runs.push(Run::plaintext(k, b, wall, opts.threads, peak_rss(), ref_acc));
    let mut models = vec![("plaintext".to_string(), w_ref.clone())];

    for &kind in &opts.circuits {
        let circuit = Training::new(kind, cfg.clone(), &z);
        eprintln!("[{kind}] choosing parameters ...");
        let t = Instant::now();
        let (enc, progress) = train_encrypted(&circuit, data.width(), &options, |params| {
            eprintln!(
                "[{kind}] chosen in {:.1} s:\n  {}",
                t.elapsed().as_secs_f64(),
                params.summary().replace('\n', "\n  ")
            );
            let stages = stages(&circuit, params.context.slots())?;
            Ok(Progress::new(kind.name(), params.counts.key_switches(), params.depth, stages))
        })?;
        progress.finish();
        let w = enc.weights;
        let acc = test_accuracy(&data, &w);
        let max_err = w.iter().zip(&w_ref).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        let counts = enc.counts;
        let xt = &data.test.x;
        let changed = (0..xt.rows())
            .filter(|&i| {
                let dot = |w: &[f64]| xt.row(i).iter().zip(w).map(|(a, b)| a * b).sum::<f64>();
                (dot(&w) >= 0.0) != (dot(&w_ref) >= 0.0)
            })
            .count();
        runs.push(Run {
            circuit: kind.name().into(),
            minibatches: k,
            batch_size: b,
            depth: enc.depth,
            log_n: enc.log_n,
            log_qp: enc.log_qp,
            secure: enc.secure,
            input_ciphertexts: enc.input_ciphertexts,
            upload_bytes: enc.upload_bytes,
            multiplications: counts.multiplications(),
            rotations: counts.rotations,
            key_switches: counts.key_switches(),
            wall_seconds: enc.train_seconds,
            encrypt_seconds: enc.encrypt_seconds,
            keygen_seconds: enc.keygen_seconds,
            threads: opts.threads,
            peak_rss_bytes: enc.peak_rss_bytes,
            test_accuracy: acc,
            max_weight_error: max_err,
            predictions_changed: changed,
        });
        models.push((kind.name().to_string(), w));
    }
    print_table(&runs, opts.quick);
    if let Some(path) = &opts.json {
        write_results(path, &machine, &opts.data, &data.prep, &opts.hyper, &runs)?;
        if let Source::Mnist { .. } = opts.data.source {
            // The weights of the 14 x 14 pixels as images.
            let svg = path.with_extension("svg");
            write_weights_svg(&svg, &models, 14)?;
            println!("wrote {} and {}", path.display(), svg.display());
        } else {
            println!("wrote {}", path.display());
        }
    }
    Ok(runs)
}

/// One encrypted training, client and server in one process: what [`train_encrypted`] returns.
#[derive(Clone, Debug)]
pub struct EncryptedRun {
    /// The decrypted model `w_k` (padded width).
    pub weights: Vec<f64>,
    /// Multiplicative depth.
    pub depth: usize,
    /// log2 N.
    pub log_n: u32,
    /// log2 QP.
    pub log_qp: f64,
    /// Whether the parameters passed the 128-bit check.
    pub secure: bool,
    /// The parameters chosen, in a few lines.
    pub summary: String,
    /// Ciphertexts uploaded.
    pub input_ciphertexts: usize,
    /// Bytes uploaded (no compression).
    pub upload_bytes: usize,
    /// Operations counted during training.
    pub counts: OpCounts,
    /// Key generation time.
    pub keygen_seconds: f64,
    /// The client's encryption time.
    pub encrypt_seconds: f64,
    /// Training time on the server.
    pub train_seconds: f64,
    /// Peak resident memory during training.
    pub peak_rss_bytes: u64,
}

/// Trains `circuit` encrypted, client and server in one process: parameters chosen with
/// `options`, keys generated from the OS's entropy, the inputs encrypted with the secret key
/// (the client holds no evaluation keys), trained by an evaluator holding the evaluation keys
/// only and watched by the observer `observer(params)` makes, the model decrypted to `width`
/// weights.
///
/// # Errors
/// Parameter, evaluation and decoding errors, and the observer constructor's.
pub fn train_encrypted<O: Observer<HomomorphicEvaluator>>(
    circuit: &Training,
    width: usize,
    options: &AutoOptions,
    observer: impl FnOnce(&AutoParameters) -> Result<O>,
) -> Result<(EncryptedRun, O)> {
    let params = choose_parameters(circuit, options)?;
    let watch = observer(&params)?;
    let mut prng = Prng::from_os_entropy();
    let t = Instant::now();
    let keys = params.generate_keys(&mut prng);
    let keygen_seconds = t.elapsed().as_secs_f64();
    let ctx = &params.context;
    // The client encrypts with its secret key (the smaller fresh noise) and evaluates
    // nothing, so it holds no evaluation keys, ...
    let client = HomomorphicEvaluator::with_secret_key(
        ckks::Evaluator::new(ctx, ckks::EvaluationKeys::default())?,
        keys.secret_key.clone(),
    )?;
    let t = Instant::now();
    let inputs = circuit.encrypt(&client)?;
    let encrypt_seconds = t.elapsed().as_secs_f64();
    // ... the server trains with public material only (the keys are shared, not copied).
    let server =
        HomomorphicEvaluator::new(ckks::Evaluator::new(ctx, keys.evaluation_keys.clone())?);
    let watched = Observed::with_observer(server, (watch, Counter::default()));
    reset_peak_rss();
    let t = Instant::now();
    let model = circuit.run_on(&watched, &inputs)?;
    let train_seconds = t.elapsed().as_secs_f64();
    let peak_rss_bytes = peak_rss();
    let (_, (watch, counter)) = watched.into_parts();
    let sk = &keys.secret_key;
    let weights = decode_model(&model, width, |ct| ctx.decode(&sk.decrypt(ct)?))?;
    let specs = circuit.upload(ctx.slots(), ctx.max_level())?;
    let run = EncryptedRun {
        weights,
        depth: params.depth,
        log_n: ctx.log_n(),
        log_qp: ctx.log_qp(),
        secure: ctx.literal().security == Security::HeStandard128,
        summary: params.summary(),
        input_ciphertexts: specs.iter().map(|s| s.tiles()).sum(),
        upload_bytes: specs.iter().map(|s| s.bytes(ctx.n())).sum(),
        counts: counter.counts(),
        keygen_seconds,
        encrypt_seconds,
        train_seconds,
        peak_rss_bytes,
    };
    Ok((run, watch))
}

/// The data's source in a few words.
pub(crate) fn describe_source(spec: &DataSpec) -> String {
    match &spec.source {
        Source::Mnist { dir, digits } => format!(
            "MNIST digits {} (+1) vs {} (-1) from {}",
            digits[0],
            digits[1],
            data::mnist::locate(dir.as_deref()).map_or("?".into(), |d| d.display().to_string())
        ),
        Source::Table { train, test, .. } => match test {
            Some(t) => format!("{} (training) and {} (test)", train.display(), t.display()),
            None => train.display().to_string(),
        },
    }
}

fn print_table(runs: &[Run], quick: bool) {
    let header = [
        "circuit", "k", "b", "depth", "log N", "log QP", "inputs", "upload", "mults", "rots",
        "train s", "threads", "peak RSS", "accuracy", "max |dw|",
    ];
    let dash = |x: String, none: bool| if none { "-".to_string() } else { x };
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            vec![
                r.circuit.clone(),
                r.minibatches.to_string(),
                r.batch_size.to_string(),
                r.depth.to_string(),
                dash(r.log_n.to_string(), r.log_n == 0),
                dash(format!("{:.0}", r.log_qp), r.log_qp == 0.0),
                r.input_ciphertexts.to_string(),
                format!("{:.1} MiB", mib(r.upload_bytes as u64)),
                r.multiplications.to_string(),
                r.rotations.to_string(),
                format!("{:.2}", r.wall_seconds),
                r.threads.to_string(),
                format!("{:.2} GiB", gib(r.peak_rss_bytes)),
                format!("{:.2}%", 100.0 * r.test_accuracy),
                format!("{:.2e}", r.max_weight_error),
            ]
        })
        .collect();
    let quick = quick.then_some("small minibatches and INSECURE toy parameters (N = 2^11)");
    report::print_table(quick, &header, &rows);
    if let Some((b, l)) = baseline_and_lowdepth(runs, |r| &r.circuit) {
        println!(
            "\nlow-depth vs baseline: depth {} vs {}, training {:.2} s vs {:.2} s ({:.1}x faster), \
             uploads {:.1} vs {:.1} MiB, multiplications {} vs {}",
            l.depth,
            b.depth,
            l.wall_seconds,
            b.wall_seconds,
            b.wall_seconds / l.wall_seconds,
            mib(l.upload_bytes as u64),
            mib(b.upload_bytes as u64),
            l.multiplications,
            b.multiplications
        );
    }
}
