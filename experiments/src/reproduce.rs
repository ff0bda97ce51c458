//! `reproduce`: the paper's MNIST experiment. Trains k minibatches three ways (plaintext
//! reference, baseline encrypted, low-depth encrypted) at automatically chosen parameters and
//! reports depth, parameters, uploads, operations, time, memory and accuracy.

use crate::mnist;
use crate::progress::Progress;
use crate::report::{write_json, write_weights_svg, Run};
use circuits::reference::{accuracy, train, TrainConfig};
use circuits::training::{decode_model, Kind, Training};
use ckks::eval::{choose_parameters, AutoOptions, Counter, Observed};
use ckks::{Prng, Security};
use linalg::PlainMatrix;
use std::path::PathBuf;
use std::time::Instant;

/// Options of the command.
#[derive(Clone, Debug)]
pub struct Options {
    /// MNIST directory (else `$MNIST_DIR`, `../shared/data/mnist`, `data/mnist`).
    pub data: Option<PathBuf>,
    /// Rows per minibatch.
    pub batch_size: Option<usize>,
    /// Minibatches.
    pub minibatches: usize,
    /// Small insecure parameters and small minibatches.
    pub quick: bool,
    /// Where to write the JSON results.
    pub json: Option<PathBuf>,
    /// Threads (rayon).
    pub threads: usize,
    /// The two digits: the first is the +1 class.
    pub digits: (u8, u8),
    /// Circuits to run.
    pub circuits: Vec<Kind>,
}

/// Padded feature width: 196 pixels + bias, rounded up to a power of two.
pub const WIDTH: usize = 256;

/// Runs the experiment and prints the table.
///
/// # Errors
/// Data, parameter or evaluation errors, as text.
pub fn run(opts: &Options) -> Result<Vec<Run>, String> {
    let dir = mnist::locate(opts.data.as_deref()).map_err(|e| e.to_string())?;
    let t = Instant::now();
    let train_split = mnist::load(&dir, "train").map_err(|e| e.to_string())?;
    let test_split = mnist::load(&dir, "t10k").map_err(|e| e.to_string())?;
    let (pos, neg) = opts.digits;
    let train_set = mnist::binary(&train_split, pos, neg, WIDTH);
    let test_set = mnist::binary(&test_split, pos, neg, WIDTH);
    println!(
        "MNIST from {}: {} training and {} test images of digits {pos} (+1) vs {neg} (-1), \
         {} features + bias padded to {WIDTH} ({:.1} s)",
        dir.display(),
        train_set.len(),
        test_set.len(),
        train_set.features - 1,
        t.elapsed().as_secs_f64()
    );
    let b = opts.batch_size.unwrap_or(if opts.quick { 16 } else { 256 });
    let k = opts.minibatches;
    let cfg = TrainConfig { batch_size: b, minibatches: k, ..TrainConfig::default() };
    cfg.check(train_set.len()).map_err(|e| e.to_string())?;
    let n = b * k;
    let width = train_set.width;
    let z = PlainMatrix::from_fn(n, width, |i, j| train_set.y[i] * train_set.x[i * width + j]);
    let xt =
        PlainMatrix::new(test_set.len(), width, test_set.x.clone()).map_err(|e| e.to_string())?;

    let mut runs = Vec::new();
    // The plaintext reference.
    reset_peak_rss();
    let t = Instant::now();
    let reference = train(&z, &cfg).map_err(|e| e.to_string())?;
    let wall = t.elapsed().as_secs_f64();
    let w_ref = reference.model().to_vec();
    let ref_acc = accuracy(&xt, &test_set.y, &w_ref);
    runs.push(Run::plaintext(k, b, wall, opts.threads, peak_rss(), ref_acc));
    let mut models = vec![("plaintext".to_string(), w_ref.clone())];

    for &kind in &opts.circuits {
        let circuit = Training::new(kind, cfg.clone(), &z);
        let options = if opts.quick {
            AutoOptions { max_log_scale: 40, ..AutoOptions::insecure_toy_ring(11) }
        } else {
            AutoOptions::default()
        };
        eprintln!("[{}] choosing parameters ...", kind.name());
        let t = Instant::now();
        let params = choose_parameters(&circuit, &options).map_err(|e| e.to_string())?;
        eprintln!(
            "[{}] chosen in {:.1} s:\n  {}",
            kind.name(),
            t.elapsed().as_secs_f64(),
            params.summary().replace('\n', "\n  ")
        );
        let mut prng = Prng::from_os_entropy();
        let t = Instant::now();
        let keys = params.generate_keys(&mut prng);
        let keygen = t.elapsed().as_secs_f64();
        let ctx = &params.context;
        // The client encrypts with its secret key (the smaller fresh noise) and evaluates
        // nothing, so it holds no evaluation keys, ...
        let client = ckks::eval::HomomorphicEvaluator::with_secret_key(
            ckks::Evaluator::new(ctx, ckks::EvaluationKeys::default())
                .map_err(|e| e.to_string())?,
            keys.secret_key.clone(),
        )
        .map_err(|e| e.to_string())?;
        let t = Instant::now();
        let inputs = circuit.encrypt(&client).map_err(|e| e.to_string())?;
        let encrypt = t.elapsed().as_secs_f64();
        // ... the server trains with public material only (the keys are shared, not copied).
        let server = ckks::eval::HomomorphicEvaluator::new(
            ckks::Evaluator::new(ctx, keys.evaluation_keys.clone()).map_err(|e| e.to_string())?,
        );
        let total = params.counts.key_switches();
        let stages = stages(kind, &cfg, &circuit, ctx.slots()).map_err(|e| e.to_string())?;
        let watched = Observed::with_observer(
            server,
            (Progress::new(kind.name(), total, params.depth, stages), Counter::default()),
        );
        reset_peak_rss();
        let t = Instant::now();
        let model = circuit.run_on(&watched, &inputs).map_err(|e| e.to_string())?;
        let wall = t.elapsed().as_secs_f64();
        let rss = peak_rss();
        watched.observer().0.finish();
        let sk = &keys.secret_key;
        let w = decode_model(&model, width, |ct| ctx.decode(&sk.decrypt(ct)?))
            .map_err(|e| e.to_string())?;
        let acc = accuracy(&xt, &test_set.y, &w);
        let max_err = w.iter().zip(&w_ref).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        let counts = watched.observer().1.counts();
        let specs = circuit.upload(ctx.slots(), ctx.max_level()).map_err(|e| e.to_string())?;
        let upload: usize = specs.iter().map(|s| s.bytes(ctx.n())).sum();
        let input_ciphertexts: usize = specs.iter().map(|s| s.tiles()).sum();
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
            depth: params.depth,
            log_n: ctx.log_n(),
            log_qp: ctx.log_qp(),
            secure: ctx.literal().security == Security::HeStandard128,
            input_ciphertexts,
            upload_bytes: upload,
            multiplications: counts.multiplications(),
            rotations: counts.rotations,
            key_switches: counts.key_switches(),
            wall_seconds: wall,
            encrypt_seconds: encrypt,
            keygen_seconds: keygen,
            threads: opts.threads,
            peak_rss_bytes: rss,
            test_accuracy: acc,
            max_weight_error: max_err,
            predictions_changed: changed,
        });
        models.push((kind.name().to_string(), w));
    }
    print_table(&runs, opts.quick);
    if let Some(path) = &opts.json {
        write_json(path, &runs).map_err(|e| e.to_string())?;
        let svg = path.with_extension("svg");
        write_weights_svg(&svg, &models, 14).map_err(|e| e.to_string())?;
        println!("wrote {} and {}", path.display(), svg.display());
    }
    Ok(runs)
}

/// What each depth of the circuit computes, for the progress line.
fn stages(
    kind: Kind,
    cfg: &TrainConfig,
    circuit: &Training<'_>,
    slots: usize,
) -> circuits::Result<Vec<(usize, String)>> {
    let k = cfg.minibatches;
    Ok(match kind {
        Kind::Baseline => (0..k)
            .flat_map(|t| {
                let d = 5 * t;
                [
                    (d, format!("minibatch {}/{k}: X v", t + 1)),
                    (d + 2, format!("minibatch {}/{k}: sigmoid", t + 1)),
                    (d + 4, format!("minibatch {}/{k}: gradient", t + 1)),
                ]
            })
            .collect(),
        Kind::LowDepth => {
            let low = circuits::lowdepth::LowDepth::new(cfg.clone())?;
            low.schedule(circuit.z.cols(), circuit.unit(slots)?)?
                .iter()
                .flat_map(|s| {
                    [
                        (s.u_depth, format!("minibatch {}/{k}: G s + Z y", s.t + 1)),
                        (s.s_depth, format!("minibatch {}/{k}: gradient", s.t + 1)),
                    ]
                })
                .collect()
        }
    })
}

fn print_table(runs: &[Run], quick: bool) {
    println!();
    if quick {
        println!("QUICK RUN: small minibatches and INSECURE toy parameters (N = 2^11), for a first look and CI");
    }
    println!(
        "{:<10} {:>5} {:>5} {:>6} {:>6} {:>8} {:>8} {:>10} {:>7} {:>7} {:>9} {:>8} {:>9} {:>9} {:>10}",
        "circuit", "k", "b", "depth", "log N", "log QP", "inputs", "upload", "mults", "rots", "train s", "threads", "peak RSS", "accuracy", "max |dw|"
    );
    for r in runs {
        println!(
            "{:<10} {:>5} {:>5} {:>6} {:>6} {:>8} {:>8} {:>10} {:>7} {:>7} {:>9.2} {:>8} {:>9} {:>8.2}% {:>10.2e}",
            r.circuit,
            r.minibatches,
            r.batch_size,
            r.depth,
            if r.log_n == 0 { "-".to_string() } else { r.log_n.to_string() },
            if r.log_qp == 0.0 { "-".to_string() } else { format!("{:.0}", r.log_qp) },
            r.input_ciphertexts,
            format!("{:.1} MiB", r.upload_bytes as f64 / (1 << 20) as f64),
            r.multiplications,
            r.rotations,
            r.wall_seconds,
            r.threads,
            format!("{:.2} GiB", r.peak_rss_bytes as f64 / (1u64 << 30) as f64),
            100.0 * r.test_accuracy,
            r.max_weight_error,
        );
    }
    let find = |c: &str| runs.iter().find(|r| r.circuit == c);
    if let (Some(b), Some(l)) = (find("baseline"), find("lowdepth")) {
        println!(
            "\nlow-depth vs baseline: depth {} vs {}, training {:.2} s vs {:.2} s ({:.1}x faster), \
             uploads {:.1} vs {:.1} MiB, multiplications {} vs {}",
            l.depth,
            b.depth,
            l.wall_seconds,
            b.wall_seconds,
            b.wall_seconds / l.wall_seconds,
            l.upload_bytes as f64 / (1 << 20) as f64,
            b.upload_bytes as f64 / (1 << 20) as f64,
            l.multiplications,
            b.multiplications
        );
    }
}

/// Resets the kernel's peak-RSS counter of this process (Linux; ignored elsewhere).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident set size since the last reset, in bytes (0 where unavailable).
fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
        })
        .map_or(0, |kb| kb * 1024)
}
