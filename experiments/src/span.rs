//! `span`: the work and the critical path (span) of the training circuits, in key switches and
//! in seconds from operation times measured at each circuit's parameters, and the training
//! time Brent's bound predicts on `P` cores: `max(W/P, S) <= T_P <= (W - S)/P + S`, the upper
//! bound (a greedy schedule's) taken as the prediction.
//!
//! One symbolic run of the circuit under [`ckks::eval::Span`] on the chosen chain gives the
//! totals ([`analyse`], for any [`Circuit`]: the bootstrapped epoch passes its evaluator with
//! the bootstrap plan and an [`OpTimes`] carrying a measured bootstrap). The operation times are
//! measured on ciphertexts in a one-thread pool ([`measure_op_times`]) by the thread's CPU
//! time (the host is shared: wall time would count other processes' turns), so `W` is the time
//! on one idle core; `--check` trains encrypted on 1 and 2 threads in the same process to
//! compare (wall time, and the process's CPU time).
//!
//! The nodes are whole homomorphic operations, each costed as if it ran on one core. Our
//! operations also parallelize inside (the key switch's two tasks, limb-parallel polynomial
//! arithmetic), which this model leaves out: a circuit with little parallelism between its
//! operations (the baseline) can beat the span of its operation graph. The operations' own
//! speedup is measured too (`two_thread_ops`: every operation timed alone on 2 threads).
//! With `--epochs E`, whole epochs too ([`EpochRow`]).

use crate::data::{self, DataSpec};
use crate::error::Result;
use crate::hyper::Hyperparameters;
use crate::report::Machine;
use circuits::training::{Kind, Training};
use ckks::eval::{
    brent, choose_parameters, AutoParameters, Circuit, HomomorphicEvaluator, KeySwitches, OpTimes,
    Span, SpanTotals, SymbolicEvaluator,
};
use ckks::{EvaluationKeys, Evaluator, Prng, SecretKey};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

mod epoch;

pub use epoch::EpochRow;

/// The core counts of the table.
pub const CORES: [usize; 7] = [1, 2, 4, 8, 16, 32, 64];

/// The paper's low-depth training time (6 minibatches, "a parallel implementation").
pub const PAPER_LOWDEPTH_SECONDS: f64 = 13.0;

/// The paper's baseline training time, same setting.
pub const PAPER_BASELINE_SECONDS: f64 = 80.0;

/// Work and span in one unit.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Totals {
    /// The sum of all costs: the time on one core.
    pub work: f64,
    /// The critical path: the time on unboundedly many cores.
    pub span: f64,
}

impl Totals {
    fn from(t: SpanTotals, unit: f64) -> Self {
        Self { work: t.work as f64 / unit, span: t.span as f64 / unit }
    }

    /// Brent's bounds on `p` cores: `(max(W/p, S), (W - S)/p + S)` ([`ckks::eval::brent`]).
    pub fn bounds(&self, p: usize) -> (f64, f64) {
        brent(self.work, self.span, p)
    }

    /// The fewest cores whose upper bound (`greedy`) or lower bound reaches `target`, if any
    /// does (`S < target`, or `S <= target` for the lower one).
    pub fn cores_for(&self, target: f64, greedy: bool) -> Option<usize> {
        let (work, room) =
            if greedy { (self.work - self.span, target - self.span) } else { (self.work, target) };
        let reachable = if greedy { room > 0.0 } else { self.span <= target };
        reachable.then(|| ((work / room).ceil() as usize).max(1))
    }
}

/// Brent's bounds at one core count, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Prediction {
    /// `P`.
    pub cores: usize,
    /// `max(W/P, S)`: no schedule is faster.
    pub lower_seconds: f64,
    /// `(W - S)/P + S`: a greedy schedule is no slower (the point prediction).
    pub upper_seconds: f64,
}

/// The work and span of one circuit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkSpan {
    /// In key switches.
    pub key_switches: Totals,
    /// In seconds on one core, from the measured operation times.
    pub seconds: Totals,
    /// `W / S` (in seconds).
    pub parallelism: f64,
    /// Brent's bounds at [`CORES`].
    pub predictions: Vec<Prediction>,
}

/// Work and span of `circuit` run symbolically on `e` (the chain of the real parameters, and
/// their bootstrap plan if the circuit bootstraps), in key switches and in the seconds of
/// `times`.
///
/// # Errors
/// The circuit's.
pub fn analyse<C: Circuit>(
    circuit: &C,
    e: &SymbolicEvaluator,
    times: &OpTimes,
) -> ckks::Result<WorkSpan> {
    let ks = Span::new(e.clone(), KeySwitches);
    circuit.run(&ks)?;
    let secs = Span::new(e.clone(), times.clone());
    circuit.run(&secs)?;
    let seconds = Totals::from(secs.totals(), OpTimes::TICKS_PER_SECOND);
    let predictions = CORES
        .iter()
        .map(|&p| {
            let (lower_seconds, upper_seconds) = seconds.bounds(p);
            Prediction { cores: p, lower_seconds, upper_seconds }
        })
        .collect();
    Ok(WorkSpan {
        key_switches: Totals::from(ks.totals(), 1.0),
        parallelism: seconds.work / seconds.span,
        seconds,
        predictions,
    })
}

/// The operation times of `params`' ring at `points` levels from 0 to the top (the median of
/// `samples` runs each), each operation run alone on a pool of `threads` threads (1: the
/// per-core costs of Brent's bound; more: what the operations' own parallelism gives), with a
/// fresh secret key, the relinearization key and the Galois keys of (up to) four of the
/// circuit's rotation steps.
///
/// # Errors
/// The scheme's; a thread pool that cannot be built.
pub fn measure_op_times(
    params: &AutoParameters,
    points: usize,
    samples: usize,
    threads: usize,
) -> Result<OpTimes> {
    let ctx = &params.context;
    let mut prng = Prng::from_os_entropy();
    let sk = SecretKey::generate(ctx, &mut prng);
    let mut steps: Vec<i64> = params.rotations.steps_i64().into_iter().take(4).collect();
    if steps.is_empty() {
        steps.push(1);
    }
    let keys = EvaluationKeys {
        relinearization: Some(sk.relinearization_key(&mut prng)),
        galois: sk.galois_keys(&steps, false, &mut prng),
    };
    let e = HomomorphicEvaluator::with_secret_key(Evaluator::new(ctx, keys)?, Arc::new(sk))?;
    let top = ctx.max_level();
    let points = points.clamp(2, top + 1);
    let mut levels: Vec<usize> = (0..points).map(|i| i * top / (points - 1)).collect();
    levels.dedup();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    Ok(pool.install(|| match (threads, thread_cpu_seconds()) {
        // One thread: its CPU time, which leaves out the time other processes hold the core.
        // It advances with the scheduler's ticks (4 ms here): each sample runs for 0.1 s.
        (1, Some(_)) => OpTimes::measure_with(
            &e,
            &levels,
            samples,
            &steps,
            &|| thread_cpu_seconds().unwrap_or(0.0),
            CPU_CLOCK_RESOLUTION,
        ),
        _ => OpTimes::measure(&e, &levels, samples, &steps),
    })?)
}

/// How long each sample of an operation runs on the thread CPU clock, which advances with the
/// scheduler's ticks (every 4 ms on this project's machine: at most 4% off per sample).
const CPU_CLOCK_RESOLUTION: f64 = 0.1;

/// The CPU time of the calling thread (Linux: `/proc/thread-self/schedstat`, nanoseconds), if
/// the OS tells it.
pub fn thread_cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    (ns > 0).then_some(ns as f64 * 1e-9)
}

/// The CPU time of the whole process, all threads (Linux: `/proc/self/stat`, user and system
/// time in ticks of 1/100 s), if the OS tells it.
pub fn process_cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (in parentheses, which may hold spaces): utime and
    // stime are the 12th and 13th.
    let rest = s.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// Encrypted training of `circuit` at `params` on `threads` threads: the seconds `reproduce`
/// reports as training time (inputs encrypted beforehand, keys generated once by the caller),
/// and the process's CPU time meanwhile.
fn train_seconds(
    circuit: &Training<'_>,
    params: &AutoParameters,
    keys: &ckks::eval::KeySet,
    threads: usize,
) -> Result<Measured> {
    let ctx = &params.context;
    let client = HomomorphicEvaluator::with_secret_key(
        Evaluator::new(ctx, EvaluationKeys::default())?,
        keys.secret_key.clone(),
    )?;
    let inputs = circuit.encrypt(&client)?;
    let server = HomomorphicEvaluator::new(Evaluator::new(ctx, keys.evaluation_keys.clone())?);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    pool.install(|| -> Result<Measured> {
        let (t, cpu) = (Instant::now(), process_cpu_seconds());
        circuit.run_on(&server, &inputs)?;
        Ok(Measured {
            threads,
            seconds: t.elapsed().as_secs_f64(),
            cpu_seconds: process_cpu_seconds().zip(cpu).map_or(0.0, |(b, a)| b - a),
        })
    })
}

/// Options of the command.
#[derive(Clone, Debug)]
pub struct Options {
    /// The data.
    pub data: DataSpec,
    /// The hyperparameters.
    pub hyper: Hyperparameters,
    /// Small INSECURE parameters (`reproduce --quick`'s).
    pub quick: bool,
    /// Levels at which the operations are timed.
    pub levels: usize,
    /// Runs per timing (the median is taken).
    pub samples: usize,
    /// Thread counts to train encrypted at, for the comparison (none: no training).
    pub check: Vec<usize>,
    /// Circuits.
    pub circuits: Vec<Kind>,
    /// Where to write the JSON.
    pub json: Option<PathBuf>,
    /// Also whole epochs on the server alone, this many (an epoch: every full minibatch).
    pub epochs: Option<usize>,
}

/// One measured training time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Measured {
    /// Threads.
    pub threads: usize,
    /// Training seconds (wall clock).
    pub seconds: f64,
    /// CPU seconds of the process meanwhile, all threads (on one thread, the wall time the run
    /// would take on an otherwise idle core; 0 where unknown).
    pub cpu_seconds: f64,
}

/// One circuit's row.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// `baseline` or `lowdepth`.
    pub circuit: &'static str,
    /// Minibatches.
    pub minibatches: usize,
    /// Batch size.
    pub batch_size: usize,
    /// `log2 N`.
    pub log_n: u32,
    /// Depth (levels of the chain).
    pub depth: usize,
    /// The op counter's key switches (equal to the key-switch work).
    pub counted_key_switches: usize,
    /// Work, span and predictions.
    pub work_span: WorkSpan,
    /// Work and span in seconds with every operation timed alone on 2 threads (the
    /// operations' own parallelism: limbs, the key switch's two tasks).
    pub two_thread_ops: Totals,
    /// The clock of the one-thread operation times: `thread CPU` or `wall`.
    pub op_clock: &'static str,
    /// The measured operation times: `(operation, level, seconds)`.
    pub op_times: Vec<(&'static str, usize, f64)>,
    /// Encrypted training times measured in this process.
    pub measured: Vec<Measured>,
}

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Where it ran.
    pub machine: Machine,
    /// The rows.
    pub rows: Vec<Row>,
    /// With `--epochs`: whole epochs, bootstrapping between rounds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub epochs: Vec<EpochRow>,
}

/// Runs the analysis (and the check) and prints the tables.
///
/// # Errors
/// Data, parameter or evaluation errors.
pub fn run(opts: &Options) -> Result<Report> {
    let options = crate::params::auto_options(opts.quick);
    let data = data::load(&opts.data, crate::params::max_slots(&options))?;
    let cfg = opts.hyper.train_config()?;
    let (b, k) = (cfg.batch_size, cfg.minibatches);
    for &kind in &opts.circuits {
        opts.hyper.check_for(kind)?;
    }
    let z = data.round(0, b * k)?;
    let machine = Machine::here();
    println!("training: {}", opts.hyper.describe());
    println!("machine: {}", machine.describe());
    let mut rows = Vec::new();
    for &kind in &opts.circuits {
        let circuit = Training::new(kind, cfg.clone(), &z);
        let params = choose_parameters(&circuit, &options)?;
        let ctx = &params.context;
        eprintln!("[{kind}] N = 2^{}, depth {}: timing operations ...", ctx.log_n(), params.depth);
        let t = Instant::now();
        let times = measure_op_times(&params, opts.levels, opts.samples, 1)?;
        let times2 = measure_op_times(&params, opts.levels, opts.samples, 2)?;
        eprintln!("[{kind}] timed in {:.1} s", t.elapsed().as_secs_f64());
        let symbolic = SymbolicEvaluator::new(ctx.chain().clone());
        let work_span = analyse(&circuit, &symbolic, &times)?;
        let two_thread_ops = analyse(&circuit, &symbolic, &times2)?.seconds;
        if work_span.key_switches.work != params.counts.key_switches() as f64 {
            eprintln!("[{kind}] warning: the key-switch work differs from the op counter's");
        }
        let mut measured = Vec::new();
        if !opts.check.is_empty() {
            let keys = params.generate_keys(&mut Prng::from_os_entropy());
            for &threads in &opts.check {
                let m = train_seconds(&circuit, &params, &keys, threads)?;
                eprintln!(
                    "[{kind}] trained on {threads} threads in {:.2} s ({:.2} s of CPU)",
                    m.seconds, m.cpu_seconds
                );
                measured.push(m);
            }
        }
        rows.push(Row {
            circuit: kind.name(),
            minibatches: k,
            batch_size: b,
            log_n: ctx.log_n(),
            depth: params.depth,
            counted_key_switches: params.counts.key_switches(),
            work_span,
            two_thread_ops,
            op_clock: if thread_cpu_seconds().is_some() { "thread CPU" } else { "wall" },
            op_times: times.entries().map(|(op, l, s)| (op.name(), l, s)).collect(),
            measured,
        });
    }
    let epochs = match opts.epochs {
        Some(e) => {
            epoch::rows(&data, &cfg, (e, opts.quick), (opts.levels, opts.samples), &opts.circuits)?
        }
        None => Vec::new(),
    };
    let report = Report { machine, rows, epochs };
    print_report(&report, opts.quick);
    epoch::print(&report.epochs);
    if let Some(path) = &opts.json {
        crate::files::write_json(path, &report)?;
        println!("wrote {}", path.display());
    }
    Ok(report)
}

fn print_report(report: &Report, quick: bool) {
    println!();
    if quick {
        println!("QUICK RUN: small minibatches and INSECURE toy parameters (N = 2^11)");
    }
    println!(
        "{:<10} {:>5} {:>6} {:>8} {:>8} {:>10} {:>10} {:>7} {:>12} {:>12}",
        "circuit",
        "log N",
        "depth",
        "KS work",
        "KS span",
        "work (s)",
        "span (s)",
        "W/S",
        "W, 2t ops",
        "S, 2t ops"
    );
    for r in &report.rows {
        let (ks, s) = (r.work_span.key_switches, r.work_span.seconds);
        println!(
            "{:<10} {:>5} {:>6} {:>8.0} {:>8.0} {:>10.2} {:>10.3} {:>7.1} {:>12.2} {:>12.3}",
            r.circuit,
            r.log_n,
            r.depth,
            ks.work,
            ks.span,
            s.work,
            s.span,
            r.work_span.parallelism,
            r.two_thread_ops.work,
            r.two_thread_ops.span
        );
    }
    println!("\npredicted training time on P cores (Brent: max(W/P, S) .. (W - S)/P + S seconds)");
    print!("{:>4}", "P");
    for r in &report.rows {
        print!(" {:>22}", r.circuit);
    }
    let pair = pair(report);
    if pair.is_some() {
        print!(" {:>20}", "baseline / low-depth");
    }
    println!();
    for (i, &p) in CORES.iter().enumerate() {
        print!("{p:>4}");
        for r in &report.rows {
            let x = r.work_span.predictions[i];
            print!(" {:>22}", format!("{:.2} .. {:.2}", x.lower_seconds, x.upper_seconds));
        }
        if let Some((base, low)) = pair {
            let (b, l) = (base.work_span.predictions[i], low.work_span.predictions[i]);
            print!(" {:>20.2}", b.upper_seconds / l.upper_seconds);
        }
        println!();
    }
    for r in &report.rows {
        for m in &r.measured {
            let (lo, hi) = r.work_span.seconds.bounds(m.threads);
            println!(
                "{}: measured {:.2} s ({:.2} s of CPU) on {} threads, predicted {:.2} .. {:.2} s \
                 ({:+.0}% against the upper bound){}",
                r.circuit,
                m.seconds,
                m.cpu_seconds,
                m.threads,
                lo,
                hi,
                100.0 * (m.seconds / hi - 1.0),
                if m.threads == 2 {
                    format!(
                        "; every operation on 2 threads, one after another: {:.2} s",
                        r.two_thread_ops.work
                    )
                } else {
                    String::new()
                }
            );
        }
    }
    if let Some((base, low)) = pair {
        let (b, l) = (base.work_span.seconds, low.work_span.seconds);
        for (greedy, name) in [(true, "(W - S)/P + S"), (false, "max(W/P, S)")] {
            match l.cores_for(PAPER_LOWDEPTH_SECONDS, greedy) {
                Some(p) => {
                    let t = |x: &Totals| if greedy { x.bounds(p).1 } else { x.bounds(p).0 };
                    println!(
                        "low-depth reaches the paper's {PAPER_LOWDEPTH_SECONDS} s at P = {p} by \
                         {name}; the baseline then takes {:.1} s ({:.1}x; the paper: \
                         {PAPER_BASELINE_SECONDS} s, {:.1}x)",
                        t(&b),
                        t(&b) / t(&l),
                        PAPER_BASELINE_SECONDS / PAPER_LOWDEPTH_SECONDS
                    );
                }
                None => println!(
                    "low-depth never reaches the paper's {PAPER_LOWDEPTH_SECONDS} s by {name}: \
                     its span is {:.2} s",
                    l.span
                ),
            }
        }
        println!(
            "on unboundedly many cores (the spans): baseline / low-depth = {:.2}x",
            b.span / l.span
        );
    }
}

/// The baseline's and the low-depth circuit's rows, when both ran.
fn pair(report: &Report) -> Option<(&Row, &Row)> {
    let find = |c: &str| report.rows.iter().find(|r| r.circuit == c);
    Some((find("baseline")?, find("lowdepth")?))
}
