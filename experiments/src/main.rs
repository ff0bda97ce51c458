//! The project's command line: `reproduce` (the paper's experiment, on MNIST or your own data),
//! `epochs` (whole epochs on the server alone, with bootstrapping), `span` (the circuits' work
//! and critical path, and Brent's bound), the client/server workflow (`keygen`, `encrypt`,
//! `train`, `decrypt`), and `demo` (a short
//! demonstration of the CKKS scheme). A thin layer over the `experiments` library.

use circuits::training::Kind;
use clap::{Parser, Subcommand};
use experiments::args::{circuit_list, BootstrapArgs, DataArgs, HyperArgs, PlanArgs, RunArgs};
use experiments::hyper::Hyperparameters;
use experiments::{reproduce, workflow, Error};
use std::path::PathBuf;

#[derive(Parser)]
#[command(version, about = "Low-depth encrypted logistic regression: experiments and demos")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train logistic regression three ways, plaintext, baseline encrypted and low-depth
    /// encrypted, and print one table (MNIST 3 vs 8 by default; --train for your own data).
    Reproduce {
        /// The data.
        #[command(flatten)]
        data: DataArgs,
        /// The hyperparameters.
        #[command(flatten)]
        hyper: HyperArgs,
        /// Small minibatches (b = 16 unless --batch-size) and small INSECURE parameters
        /// (N = 2^11): a run of seconds, for CI and a first look.
        #[arg(long)]
        quick: bool,
        /// Output, threads, circuits.
        #[command(flatten)]
        run: RunArgs,
    },
    /// Train whole epochs on the server alone: every round's inputs uploaded once, the model
    /// state bootstrapped between rounds; both circuits against plaintext training of the same
    /// minibatches (MNIST 3 vs 8 by default: 46 minibatches of 256 per epoch, 128-bit).
    Epochs {
        /// The data.
        #[command(flatten)]
        data: DataArgs,
        /// The hyperparameters (--minibatches: per epoch [default: every full minibatch of the
        /// training set; 8 with --quick]).
        #[command(flatten)]
        hyper: HyperArgs,
        /// Epochs.
        #[arg(long, default_value_t = 1)]
        epochs: usize,
        /// Levels after each bootstrap, for every circuit. Without it each circuit takes its
        /// own: from 10 (which fit the 128-bit bound at N = 2^16 with the default bootstrap),
        /// one more while that keeps the chain's digits and special primes and cuts its
        /// bootstraps (11 for both circuits).
        #[arg(long)]
        levels: Option<usize>,
        /// The state bound sigma (an even integer): (w + i v) / sigma is bootstrapped.
        #[arg(long, default_value_t = workflow::epochs::STATE_BOUND)]
        state_bound: u32,
        /// Small INSECURE parameters (N = 2^11) and small minibatches (b = 16 unless
        /// --batch-size): a run of seconds.
        #[arg(long)]
        quick: bool,
        /// Output (the curves beside the JSON as .curves.svg, for MNIST the weights as
        /// .weights.svg), threads, circuits.
        #[command(flatten)]
        run: RunArgs,
    },
    /// Work and critical path of the training circuits (key switches, and seconds from
    /// operation times measured here) and Brent's bound on 1 to 64 cores; --check trains
    /// encrypted on 1 and 2 threads to compare.
    Span {
        /// The data.
        #[command(flatten)]
        data: DataArgs,
        /// The hyperparameters.
        #[command(flatten)]
        hyper: HyperArgs,
        /// Small minibatches and small INSECURE parameters, as reproduce --quick.
        #[arg(long)]
        quick: bool,
        /// Levels at which each operation is timed (interpolated between them).
        #[arg(long, default_value_t = 6)]
        levels: usize,
        /// Runs per timing (the median is taken).
        #[arg(long, default_value_t = 3)]
        samples: usize,
        /// Also train encrypted on these thread counts (comma separated) and compare.
        #[arg(long, value_delimiter = ',', num_args = 0.., default_missing_value = "1,2")]
        check: Option<Vec<usize>>,
        /// Only these circuits (comma separated: baseline, lowdepth).
        #[arg(long, value_delimiter = ',', default_value = "baseline,lowdepth")]
        circuits: Vec<String>,
        /// Write the report as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Also whole epochs on the server alone (every full minibatch an epoch; 128-bit
        /// N = 2^16, a bootstrap costed at one measured here): this many.
        #[arg(long, value_name = "E")]
        epochs: Option<usize>,
    },
    /// Client: choose parameters for a circuit on the data, generate keys, write the client's
    /// directory (secret key, owner-only) and the server's bundle (public material only).
    Keygen {
        /// baseline or lowdepth.
        #[arg(long, default_value = "lowdepth", value_parser = clap::value_parser!(Kind))]
        circuit: Kind,
        /// The data.
        #[command(flatten)]
        data: DataArgs,
        /// The hyperparameters.
        #[command(flatten)]
        hyper: HyperArgs,
        /// Small INSECURE parameters (N = 2^11), for tests.
        #[arg(long)]
        quick: bool,
        /// Bootstrapping.
        #[command(flatten)]
        bootstrap: BootstrapArgs,
        /// The client's directory.
        #[arg(long)]
        client: PathBuf,
        /// The server bundle's directory.
        #[arg(long)]
        server: PathBuf,
        /// Replace an existing key set in --client or --server (models made under it can then
        /// never be decrypted).
        #[arg(long)]
        force: bool,
    },
    /// Client: encrypt a round's inputs into an upload directory (every round's, for a key set
    /// made with --epochs).
    Encrypt {
        /// The client's directory (from keygen).
        #[arg(long)]
        client: PathBuf,
        /// Flags of keygen: optional, checked against the plan.
        #[command(flatten)]
        plan: PlanArgs,
        /// Encrypt the next round's inputs, resuming from the state.json a decrypt wrote here.
        #[arg(long)]
        resume_from: Option<PathBuf>,
        /// Where to write the encrypted inputs.
        #[arg(long)]
        out: PathBuf,
    },
    /// Server: train on encrypted inputs with the public bundle; refuses any secret key. For a
    /// key set made with --epochs: every round, bootstrapping between rounds.
    Train {
        /// The server bundle (from keygen).
        #[arg(long)]
        server: PathBuf,
        /// The encrypted inputs (from encrypt).
        #[arg(long)]
        inputs: PathBuf,
        /// Continue training: the inputs are a later round's (from encrypt --resume-from).
        #[arg(long)]
        resume: bool,
        /// Where to write the encrypted model.
        #[arg(long)]
        out: PathBuf,
    },
    /// Client: decrypt the model, write the weights by name (CSV, JSON; SVG for MNIST) and the
    /// state for the next round, report the test accuracy.
    Decrypt {
        /// The client's directory.
        #[arg(long)]
        client: PathBuf,
        /// The encrypted model (from train).
        #[arg(long)]
        model: PathBuf,
        /// Flags of keygen: optional, checked against the plan.
        #[command(flatten)]
        plan: PlanArgs,
        /// Where to write the weights.
        #[arg(long)]
        out: PathBuf,
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

fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Reproduce { data, hyper, quick, run } => {
            let threads = run.install_threads()?;
            let base = Hyperparameters {
                batch_size: if quick { 16 } else { 256 },
                ..Hyperparameters::default()
            };
            let opts = reproduce::Options {
                data: data.spec()?,
                hyper: hyper.resolve(base)?,
                quick,
                circuits: run.circuits()?,
                json: run.json,
                threads,
            };
            reproduce::run(&opts).map(|_| ())
        }
        Command::Epochs { data, hyper, epochs, levels, state_bound, quick, run } => {
            let threads = run.install_threads()?;
            let whole_epoch = hyper.minibatches.is_none() && !quick;
            let base = Hyperparameters {
                batch_size: if quick { 16 } else { 256 },
                minibatches: 8,
                ..Hyperparameters::default()
            };
            let opts = experiments::epochs::Options {
                data: data.spec()?,
                hyper: hyper.resolve(base)?,
                whole_epoch,
                epochs,
                levels,
                state_bound,
                quick,
                circuits: run.circuits()?,
                json: run.json,
                threads,
            };
            experiments::epochs::run(&opts).map(|_| ())
        }
        Command::Span { data, hyper, quick, levels, samples, check, circuits, json, epochs } => {
            let base = Hyperparameters {
                batch_size: if quick { 16 } else { 256 },
                ..Hyperparameters::default()
            };
            let opts = experiments::span::Options {
                data: data.spec()?,
                hyper: hyper.resolve(base)?,
                quick,
                levels,
                samples,
                check: check.unwrap_or_default(),
                circuits: circuit_list(&circuits)?,
                json,
                epochs,
            };
            experiments::span::run(&opts).map(|_| ())
        }
        Command::Keygen { circuit, data, hyper, quick, mut bootstrap, client, server, force } => {
            bootstrap.whole_epoch = hyper.minibatches.is_none();
            let hyper = hyper.resolve(Hyperparameters::default())?;
            let spec = data.spec()?;
            workflow::keygen_with(
                circuit,
                &hyper,
                &spec,
                (quick, &bootstrap),
                (&client, &server),
                force,
            )
        }
        Command::Encrypt { client, plan, resume_from, out } => {
            workflow::encrypt(&client, &plan, resume_from.as_deref(), &out)
        }
        Command::Train { server, inputs, resume, out } => {
            workflow::train(&server, &inputs, resume, &out)
        }
        Command::Decrypt { client, model, plan, out } => {
            workflow::decrypt(&client, &model, &plan, &out)
        }
        Command::Demo { log_n, levels, log_scale, dnum, rotate, insecure } => {
            Ok(experiments::demo::demo(log_n, levels, log_scale, dnum, rotate, insecure)?)
        }
    }
}

fn main() {
    // Polynomial buffers reused instead of faulted in anew (see `ckks::alloc`).
    ckks::alloc::keep_freed_memory();
    if let Err(e) = run(Cli::parse().command) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
