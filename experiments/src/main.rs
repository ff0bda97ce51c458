//! The project's command-line entry point: `reproduce` (the paper's MNIST experiment) and
//! `demo` (a short demonstration of the CKKS scheme).

use experiments::{reproduce, workflow};

use ckks::{EvaluationKeys, Evaluator, ParametersLiteral, Prng, SecretKey, Security};
use clap::{Parser, Subcommand};
use std::time::Instant;

#[derive(Parser)]
#[command(version, about = "Low-depth encrypted logistic regression: experiments and demos")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Client: choose parameters for a circuit, generate keys, write the client's directory
    /// (secret key, owner-only) and the server's bundle (public material only).
    Keygen {
        /// baseline or lowdepth.
        #[arg(long, default_value = "lowdepth")]
        circuit: String,
        /// Minibatches k.
        #[arg(long, default_value_t = 6)]
        minibatches: usize,
        /// Rows per minibatch.
        #[arg(long, default_value_t = 256)]
        batch_size: usize,
        /// Small INSECURE parameters (N = 2^11), for tests.
        #[arg(long)]
        quick: bool,
        /// MNIST directory.
        #[arg(long)]
        data: Option<std::path::PathBuf>,
        /// The client's directory.
        #[arg(long)]
        client: std::path::PathBuf,
        /// The server bundle's directory.
        #[arg(long)]
        server: std::path::PathBuf,
    },
    /// Client: encrypt the circuit's inputs from MNIST into an upload directory.
    Encrypt {
        /// The client's directory (from keygen).
        #[arg(long)]
        client: std::path::PathBuf,
        /// MNIST directory.
        #[arg(long)]
        data: Option<std::path::PathBuf>,
        /// Encrypt the next round's inputs, resuming from the state.json a decrypt wrote here.
        #[arg(long)]
        resume_from: Option<std::path::PathBuf>,
        /// Where to write the encrypted inputs.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Server: train on encrypted inputs with the public bundle; refuses any secret key.
    Train {
        /// The server bundle (from keygen).
        #[arg(long)]
        server: std::path::PathBuf,
        /// The encrypted inputs (from encrypt).
        #[arg(long)]
        inputs: std::path::PathBuf,
        /// Continue training: the inputs are a later round's (from encrypt --resume-from).
        #[arg(long)]
        resume: bool,
        /// Where to write the encrypted model.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Client: decrypt the model, write the weights (CSV, JSON, SVG), report test accuracy.
    Decrypt {
        /// The client's directory.
        #[arg(long)]
        client: std::path::PathBuf,
        /// The encrypted model (from train).
        #[arg(long)]
        model: std::path::PathBuf,
        /// MNIST directory.
        #[arg(long)]
        data: Option<std::path::PathBuf>,
        /// Where to write the weights.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Train logistic regression on MNIST (3 vs 8) three ways, plaintext, baseline encrypted and
    /// low-depth encrypted, and print one table.
    Reproduce {
        /// Directory of the four MNIST IDX files (else $MNIST_DIR, ../shared/data/mnist, data/mnist).
        #[arg(long)]
        data: Option<std::path::PathBuf>,
        /// Rows per minibatch (default 256; 16 with --quick).
        #[arg(long)]
        batch_size: Option<usize>,
        /// Minibatches k.
        #[arg(long, default_value_t = 6)]
        minibatches: usize,
        /// Small minibatches and small INSECURE parameters: a run of seconds, for CI and a first look.
        #[arg(long)]
        quick: bool,
        /// Write the results as JSON here (and the learned weights as an SVG beside it).
        #[arg(long)]
        json: Option<std::path::PathBuf>,
        /// Threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Only these circuits (comma separated: baseline, lowdepth; none: plaintext only).
        #[arg(long, value_delimiter = ',', default_value = "baseline,lowdepth")]
        circuits: Vec<String>,
    },
    /// Encrypt two vectors, multiply, rotate, decrypt, and print the errors and timings.
    Demo {
        /// log2 of the ring degree (13..=16).
        #[arg(long, default_value_t = 14)]
        log_n: u32,
        /// Number of rescaling levels.
        #[arg(long, default_value_t = 7)]
        levels: usize,
        /// log2 of the scale.
        #[arg(long, default_value_t = 40)]
        log_scale: u32,
        /// Number of key-switching digits (the default, levels + 1, is one prime per digit).
        #[arg(long, default_value_t = 8)]
        dnum: usize,
        /// Rotation step to apply to the product.
        #[arg(long, default_value_t = 1)]
        rotate: i64,
        /// Skip the 128-bit security check (labelled as insecure in the output).
        #[arg(long)]
        insecure: bool,
    },
}

fn max_err(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

fn bits(err: f64) -> String {
    format!("{:.1} bits", -err.log2())
}

fn demo(
    log_n: u32,
    levels: usize,
    log_scale: u32,
    dnum: usize,
    step: i64,
    insecure: bool,
) -> ckks::Result<()> {
    let security = if insecure { Security::InsecureToyParameters } else { Security::HeStandard128 };
    let t = Instant::now();
    let ctx = ParametersLiteral::with_levels(log_n, levels, 60, log_scale, 60, dnum)
        .security(security)
        .build()?;
    println!("parameters ({:.2} s):\n  {}", t.elapsed().as_secs_f64(), ctx.summary());

    let mut prng = Prng::from_os_entropy();
    let t = Instant::now();
    let sk = SecretKey::generate(&ctx, &mut prng);
    let pk = sk.public_key(&mut prng);
    let keys = EvaluationKeys {
        relinearization: Some(sk.relinearization_key(&mut prng)),
        galois: sk.galois_keys(&[step], false, &mut prng),
    };
    println!(
        "keys: secret, public, relinearization ({:.1} MiB), Galois for step {step} ({:.1} MiB) in {:.2} s",
        keys.relinearization.as_ref().map_or(0, |k| k.byte_size()) as f64 / 1048576.0,
        keys.galois.byte_size() as f64 / 1048576.0,
        t.elapsed().as_secs_f64()
    );
    let eval = Evaluator::new(&ctx, keys)?;

    let slots = ctx.slots();
    let x: Vec<f64> = (0..slots).map(|i| (i as f64 * 0.37).sin()).collect();
    let y: Vec<f64> = (0..slots).map(|i| (i as f64 * 0.11).cos()).collect();
    let top = ctx.max_level();

    let t = Instant::now();
    let cx = pk.encrypt(&ctx, &ctx.encode_at(&x, top)?, &mut prng)?;
    let cy = pk.encrypt(&ctx, &ctx.encode_at(&y, top)?, &mut prng)?;
    let t_enc = t.elapsed().as_secs_f64() / 2.0;

    let t = Instant::now();
    let prod = eval.rescale(&eval.mul_relin(&cx, &cy)?)?;
    let t_mul = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let rotated = eval.rotate(&prod, step)?;
    let t_rot = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let got_prod = ctx.decode(&sk.decrypt(&prod)?)?;
    let got_rot = ctx.decode(&sk.decrypt(&rotated)?)?;
    let t_dec = t.elapsed().as_secs_f64() / 2.0;

    let want_prod: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a * b).collect();
    let s = step.rem_euclid(slots as i64) as usize;
    let want_rot: Vec<f64> = (0..slots).map(|i| want_prod[(i + s) % slots]).collect();
    let e_prod = max_err(&got_prod, &want_prod);
    let e_rot = max_err(&got_rot, &want_rot);
    println!(
        "x[i] = sin(0.37 i), y[i] = cos(0.11 i), {slots} slots, encrypted with the public key"
    );
    println!("  {:<26} {:>9.2} ms per vector", "encode + encrypt", t_enc * 1e3);
    println!(
        "  {:<26} {:>9.2} ms, max error {e_prod:.3e} ({})",
        "x*y (mul, relin, rescale)",
        t_mul * 1e3,
        bits(e_prod)
    );
    println!(
        "  {:<26} {:>9.2} ms, max error {e_rot:.3e} ({})",
        format!("rotate by {step}"),
        t_rot * 1e3,
        bits(e_rot)
    );
    println!("  {:<26} {:>9.2} ms per vector", "decrypt + decode", t_dec * 1e3);
    println!("  first slots of x*y rotated: {:?}", &got_rot[..4]);
    println!("  expected:                   {:?}", &want_rot[..4]);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn reproduce_command(
    data: Option<std::path::PathBuf>,
    batch_size: Option<usize>,
    minibatches: usize,
    quick: bool,
    json: Option<std::path::PathBuf>,
    threads: Option<usize>,
    circuits: Vec<String>,
) -> Result<(), String> {
    if let Some(t) = threads {
        rayon::ThreadPoolBuilder::new().num_threads(t).build_global().map_err(|e| e.to_string())?;
    }
    let circuits = circuits
        .iter()
        .filter(|c| !c.is_empty() && c.as_str() != "none")
        .map(|c| match c.as_str() {
            "baseline" => Ok(circuits::training::Kind::Baseline),
            "lowdepth" => Ok(circuits::training::Kind::LowDepth),
            other => Err(format!("unknown circuit {other:?} (baseline, lowdepth)")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let opts = reproduce::Options {
        data,
        batch_size,
        minibatches,
        quick,
        json,
        threads: rayon::current_num_threads(),
        digits: (3, 8),
        circuits,
    };
    reproduce::run(&opts).map(|_| ())
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Keygen { circuit, minibatches, batch_size, quick, data, client, server } => {
            workflow::keygen(
                &circuit,
                minibatches,
                batch_size,
                quick,
                data.as_deref(),
                &client,
                &server,
            )
        }
        Command::Encrypt { client, data, resume_from, out } => {
            workflow::encrypt(&client, data.as_deref(), resume_from.as_deref(), &out)
        }
        Command::Train { server, inputs, resume, out } => {
            workflow::train(&server, &inputs, resume, &out)
        }
        Command::Decrypt { client, model, data, out } => {
            workflow::decrypt(&client, &model, data.as_deref(), &out)
        }
        Command::Reproduce { data, batch_size, minibatches, quick, json, threads, circuits } => {
            reproduce_command(data, batch_size, minibatches, quick, json, threads, circuits)
        }
        Command::Demo { log_n, levels, log_scale, dnum, rotate, insecure } => {
            demo(log_n, levels, log_scale, dnum, rotate, insecure).map_err(|e| e.to_string())
        }
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
