//! Bootstrapping at 128-bit parameters: full slots and 256 slots at N = 2^16, each with 9
//! levels of 40 bits left for the circuit.
//!
//! `cargo run --release -p ckks --example bootstrap [-- slots...]` (slots: `full` or a power of
//! two; default `full 256`). Prints the parameters, the key and constant sizes, then one line
//! per configuration:
//! `bootstrap slots=<n> N=2^<log N> levels_after=<l> seconds=<median> max_error_bits=<bits>`.
//! `BOOT_REPS` sets the number of timed bootstraps (default 3); `BOOT_LOG_N` the ring (below
//! 16, with insecure toy parameters); `BOOT_CTS`, `BOOT_STC` the transforms' level budgets;
//! `BOOT_DOUBLE_ANGLES` the modular reduction's double-angle steps (default 2);
//! `BOOT_CTS_BITS` the width of the CoeffsToSlots primes (default 56; 50 or 51 take the
//! double-precision kernels but cost about four bits of precision); `BOOT_ARCSINE=0` leaves out
//! the arcsine correction (two levels fewer), `BOOT_LOG_RATIO` sets `log2(q_0 / |m|)` (default
//! 8), `BOOT_LEVELS` the circuit levels left (default 9), `BOOT_COMPLEX=1` complex inputs
//! (`|z| <= 1`; the error is then `|got - z|`); `BOOT_DEBUG=1` bootstraps once under the
//! debug evaluator first and prints each stage's largest error against its definition on the
//! decrypted input (in message units), with the transforms' levels and diagonal scales;
//! `BOOT_STAGES=1` times the
//! stages separately, `BOOT_REPS` more bootstraps, and prints each stage's median.
use ckks::boot::{BootstrapConfig, BootstrapPlan, Bootstrapper};
use ckks::eval::{CkksEvaluator, HomomorphicEvaluator};
use ckks::{Complex64, EvaluationKeys, Evaluator, Prng, SecretKey, Security};
use std::sync::Arc;
use std::time::Instant;

fn main() -> ckks::Result<()> {
    ckks::alloc::keep_freed_memory();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let configs: Vec<Option<usize>> = if args.is_empty() {
        vec![None, Some(256)]
    } else {
        args.iter().map(|a| if a == "full" { None } else { a.parse().ok() }).collect()
    };
    let reps: usize = env("BOOT_REPS").unwrap_or(3);
    let log_n: u32 = env("BOOT_LOG_N").unwrap_or(16);
    let mib = |b: usize| b as f64 / (1 << 20) as f64;
    for slots in configs {
        let mut config = BootstrapConfig::with_slots(slots);
        // Level budgets of the transforms (defaults 4 and 3), double angles, CtS prime width.
        config.cts_levels = env("BOOT_CTS").unwrap_or(config.cts_levels);
        config.stc_levels = env("BOOT_STC").unwrap_or(config.stc_levels);
        config.double_angles = env("BOOT_DOUBLE_ANGLES").unwrap_or(config.double_angles);
        config.cts_prime_bits = env("BOOT_CTS_BITS").unwrap_or(config.cts_prime_bits);
        config.arcsine = env::<u8>("BOOT_ARCSINE").map_or(config.arcsine, |a| a != 0);
        config.log_message_ratio = env("BOOT_LOG_RATIO").unwrap_or(config.log_message_ratio);
        let levels: usize = env("BOOT_LEVELS").unwrap_or(9);
        // Below N = 2^16 these levels do not fit 128-bit security: insecure, for quick looks.
        let security =
            if log_n >= 16 { Security::HeStandard128 } else { Security::InsecureToyParameters };
        let literal = config.parameters(log_n, levels, 60, 40, security)?;
        let ctx = literal.build()?;
        let plan = Arc::new(BootstrapPlan::new(ctx.chain(), &config)?);
        println!("{}", ctx.summary());
        println!("{}", plan.summary());
        let mut prng = Prng::from_os_entropy();
        let t = Instant::now();
        let sk = Arc::new(SecretKey::generate(&ctx, &mut prng));
        let bt = Arc::new(Bootstrapper::generate(&sk, plan.clone(), &mut prng)?);
        println!(
            "keys and constants: {:.1} s; bootstrapping keys {:.1} MiB ({} bytes), encoded constants {:.1} MiB",
            t.elapsed().as_secs_f64(),
            mib(bt.key_bytes()),
            bt.key_bytes(),
            mib(bt.constant_bytes())
        );
        let eval = Evaluator::new(&ctx, EvaluationKeys::default())?;
        let he = HomomorphicEvaluator::with_secret_key(eval, sk.clone())?
            .with_bootstrapper(bt.clone())?;
        let n = plan.slots();
        // Inputs uniform in [-1, 1], or with BOOT_COMPLEX=1 complex with both parts uniform in
        // [-1/sqrt 2, 1/sqrt 2] (|z| <= 1; as the epoch runs' packed states).
        let complex = env::<u8>("BOOT_COMPLEX").is_some_and(|c| c != 0);
        let part = if complex { std::f64::consts::FRAC_1_SQRT_2 } else { 1.0 };
        let mut uniform =
            || part * ((prng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0);
        let mut values: Vec<Complex64> = (0..n)
            .map(|_| Complex64::new(uniform(), if complex { uniform() } else { 0.0 }))
            .collect();
        // BOOT_INPUT=constant: every slot the first value (one large coefficient, the worst
        // case of the modular reduction), =ramp: a slow ramp.
        match std::env::var("BOOT_INPUT").as_deref() {
            Ok("constant") => values = vec![values[0] / values[0].norm(); n],
            Ok("ramp") => {
                values = (0..n).map(|j| Complex64::new(j as f64 / n as f64, 0.0) * part).collect()
            }
            _ => {}
        }
        let xs: Vec<Complex64> = (0..he.slots()).map(|i| values[i % n]).collect();
        // BOOT_INPUT_LEVEL: the input's level (default 0; above it the bootstrap aligns first).
        let input_level = env("BOOT_INPUT_LEVEL").unwrap_or(0);
        let ct = he.encrypt_complex(&xs, input_level)?;
        if std::env::var_os("BOOT_DEBUG").is_some() {
            // One bootstrap stage by stage under the debug evaluator: each stage's largest
            // error against its definition on the decrypted input, in message units.
            let dhe = HomomorphicEvaluator::with_secret_key(
                Evaluator::new(&ctx, EvaluationKeys::default())?,
                sk.clone(),
            )?
            .with_bootstrapper(bt.clone())?;
            let debug = ckks::eval::DebugEvaluator::new(dhe, sk.clone(), 1.0)?;
            let x = debug.encrypt_complex(&xs, input_level)?;
            debug.bootstrap(&x)?;
            let (cts, stc) = plan.transforms();
            let q = ctx.chain().q_primes();
            let (reduced_level, reduced_scale) = plan.reduced();
            println!("  reduced: level {reduced_level} scale 2^{:.2}", reduced_scale.log2());
            for (name, lts) in [("CtS", cts), ("StC", stc)] {
                for lt in lts {
                    println!(
                        "  {name} factor at level {}: q 2^{:.2}, diagonals at 2^{:.2}",
                        lt.level,
                        (q[lt.level] as f64).log2(),
                        lt.plain_scale.log2()
                    );
                }
            }
            for t in debug.trace() {
                println!("  {:?} at level {}: error 2^{:.2}", t.op, t.level, t.max_error.log2());
            }
        }
        let mut times = Vec::new();
        let cpu0 = cpu_seconds();
        let mut max_err = 0.0f64;
        let mut level = 0;
        for _ in 0..reps.max(1) {
            let t = Instant::now();
            let out = he.bootstrap(&ct)?;
            times.push(t.elapsed().as_secs_f64());
            let got = ctx.decode_complex(&sk.decrypt(&out)?)?;
            max_err = got.iter().zip(&xs).map(|(a, b)| (a - b).norm()).fold(max_err, f64::max);
            level = out.level();
        }
        let cpu = cpu_seconds().map(|c| (c - cpu0.unwrap_or(0.0)) / reps.max(1) as f64);
        let each: Vec<String> = times.iter().map(|t| format!("{t:.3}")).collect();
        println!("seconds of each bootstrap, in order: {}", each.join(" "));
        times.sort_by(f64::total_cmp);
        if std::env::var_os("BOOT_STAGES").is_some() {
            // `reps` more bootstraps, stage by stage: the median of each stage.
            let mut stages = [const { Vec::new() }; 4];
            for _ in 0..reps.max(1) {
                let t = Instant::now();
                let raised = bt.mod_raise(&ct)?;
                stages[0].push(t.elapsed().as_secs_f64());
                let t = Instant::now();
                let parts = bt.coeffs_to_slots(&raised)?;
                stages[1].push(t.elapsed().as_secs_f64());
                let t = Instant::now();
                let reduced =
                    parts.iter().map(|p| bt.eval_mod(p)).collect::<ckks::Result<Vec<_>>>()?;
                stages[2].push(t.elapsed().as_secs_f64());
                let t = Instant::now();
                bt.slots_to_coeffs(&reduced)?;
                stages[3].push(t.elapsed().as_secs_f64());
            }
            let [r, c, m, s] = stages.map(|mut v| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            });
            println!(
                "stages (median of {}): raise {r:.2} s, CoeffsToSlots {c:.2} s, modular reduction {m:.2} s, SlotsToCoeffs {s:.2} s",
                reps.max(1)
            );
        }
        if let Some(cpu) = cpu {
            // The machines are shared: CPU time is what the process got, whatever the load.
            println!("cpu seconds per bootstrap (all threads, decryption included): {cpu:.3}");
        }
        println!(
            "bootstrap slots={n} N=2^{log_n} levels_after={level} seconds={:.3} max_error_bits={:.2}",
            times[times.len() / 2],
            -max_err.log2()
        );
    }
    Ok(())
}

/// This process's user and system CPU time in seconds (Linux `/proc/self/stat`, 100 Hz ticks).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// The environment variable `key` parsed as a `T`, if it is set and parses.
fn env<T: std::str::FromStr>(key: &str) -> Option<T> {
    std::env::var(key).ok().and_then(|v| v.parse().ok())
}
